import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CatalogReadModel } from '@roamledger/catalog';
import { openEventStore, openPgliteClient } from '@roamledger/event-store';
import { LocationStreams } from '@roamledger/locations';
import { hubModule } from '@roamledger/modules';
import { ProjectionHost } from '@roamledger/projections';
import { TokensModule } from '@roamledger/tokens';
import { evse, location } from '../support/location-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

// A DATA_DIR from before the hub's modules shared one projection database: the log and billing's
// DATA_DIR/projections stay, the catalog's and the token register's own folders are removed, and
// their tables are rebuilt from the log in DATA_DIR/projections (each module in its schema).

const T0 = '2026-03-01T08:00:00Z';

describe('the hub on a DATA_DIR of the earlier layout (four PGlite folders)', () => {
  let dataDir: string;
  let hub: TestApp;
  let running = false;
  let head: number;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-layout-'));
    const store = await openEventStore({ eventStore: 'pglite', dataDir });
    await new LocationStreams(store).putLocation(location('L1', T0, { evses: [evse('E1', T0)] }), {});
    head = await store.headPosition();
    await store.close();
    // The catalog's and the token register's folders as an earlier hub left them (a table each).
    const old = await openPgliteClient(path.join(dataDir, 'catalog', 'projections'));
    await old.exec('CREATE TABLE catalog_locations (stale boolean)');
    await old.close();
    cpSync(path.join(dataDir, 'catalog', 'projections'), path.join(dataDir, 'tokens', 'projections'), { recursive: true });
    hub = await startTestApp(hubModule, { DATA_DIR: dataDir });
    running = true;
  });
  after(async () => {
    if (running) await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the old folders are gone and the catalog and the tokens register follow the log from the shared folder', async () => {
    assert.deepEqual(
      readdirSync(dataDir)
        .filter((name) => !name.endsWith('-key'))
        .sort(),
      ['event-store', 'projections'],
    );
    await hub.app.select(TokensModule).get(ProjectionHost, { strict: true }).waitFor('tokens', head, 60_000);
    const tree = await waitForLocation(hub.app.get(CatalogReadModel));
    assert.equal(tree?.evses?.[0]?.uid, 'E1');
  });

  test('after a stop: one projections folder holds billing and the catalog (public) and the tokens register (rl_tokens)', async () => {
    running = false;
    await hub.close();
    const db = await openPgliteClient(path.join(dataDir, 'projections'));
    try {
      const rows = await db.query<{ table_schema: string; table_name: string }>(
        "SELECT table_schema, table_name FROM information_schema.views WHERE table_name IN ('cdr_ledger', 'catalog_locations', 'tokens') ORDER BY 2",
      );
      assert.deepEqual(
        rows.map((row) => `${row.table_schema}.${row.table_name}`),
        ['public.catalog_locations', 'public.cdr_ledger', 'rl_tokens.tokens'],
      );
    } finally {
      await db.close();
    }
    assert.ok(!existsSync(path.join(dataDir, 'catalog')) && !existsSync(path.join(dataDir, 'tokens')));
  });
});

/** The catalog fills from the log after the hub is up: its first build follows from position 0. */
async function waitForLocation(catalog: CatalogReadModel) {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    const tree = (await catalog.location('BE', 'BEC', 'L1')).result;
    if (tree) return tree;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

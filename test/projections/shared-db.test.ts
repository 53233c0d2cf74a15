import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openPgliteClient } from '@roamledger/event-store';
import { openProjectionDb } from '@roamledger/projections';

// The embedded projection database is one PGlite instance per process and folder, whatever the
// number of modules that open it: each module's schema stays apart, turns of different schemas
// never mix, and the folder is let go with its last user.

describe('openProjectionDb on the embedded store: one instance shared by schema', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-shared-db-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('two modules in one folder: same table name, two schemas, interleaved transactions', async () => {
    const billing = await openProjectionDb({ dataDir });
    const tokens = await openProjectionDb({ dataDir, schema: 'rl_tokens' });
    await billing.exec('CREATE TABLE rows_here (owner text)');
    await tokens.exec('CREATE TABLE rows_here (owner text)');
    // Transactions and plain queries of both, started together: each lands in its own schema.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const [db, owner] = i % 2 ? [billing, 'billing'] : [tokens, 'tokens'];
        return i % 3
          ? db.transaction(async (tx) => {
              await tx.query('INSERT INTO rows_here VALUES ($1)', [owner]);
              await new Promise((resolve) => setTimeout(resolve, 1));
              await tx.query('INSERT INTO rows_here VALUES ($1)', [owner]);
            })
          : db.query('INSERT INTO rows_here VALUES ($1)', [owner]);
      }),
    );
    const owners = async (db: typeof billing) =>
      (await db.query<{ owner: string; n: number }>('SELECT owner, count(*)::int AS n FROM rows_here GROUP BY owner')).map(
        (row) => `${row.owner}:${row.n}`,
      );
    assert.deepEqual(await owners(billing), ['billing:17']);
    assert.deepEqual(await owners(tokens), ['tokens:16']);

    // One closes, the other goes on; the folder stays held until the last one closes.
    await tokens.close();
    assert.deepEqual(await owners(billing), ['billing:17']);
    await assert.rejects(openPgliteClient(path.join(dataDir, 'projections')), /the hub is running on this data folder/);
    await billing.close();

    // Let go: a process of its own (the audit tools) opens it, and finds both schemas there.
    const alone = await openPgliteClient(path.join(dataDir, 'projections'));
    const tables = await alone.query<{ table_schema: string }>(
      "SELECT table_schema FROM information_schema.tables WHERE table_name = 'rows_here' ORDER BY 1",
    );
    assert.deepEqual(
      tables.map((t) => t.table_schema),
      ['public', 'rl_tokens'],
    );
    await alone.close();
    assert.ok(existsSync(path.join(dataDir, 'projections', 'PG_VERSION')));
  });

  test('opened again after every user closed: a new instance on the same folder', async () => {
    const first = await openProjectionDb({ dataDir });
    await first.close();
    const again = await openProjectionDb({ dataDir, schema: 'rl_tokens' });
    assert.deepEqual(await again.query('SELECT count(*)::int AS n FROM rows_here'), [{ n: 16 }]);
    await again.close();
  });

  test('a schema name that is not an identifier is refused', async () => {
    await assert.rejects(openProjectionDb({ dataDir, schema: 'x; DROP TABLE rows_here' }), /Invalid schema name/);
  });
});

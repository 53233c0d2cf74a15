import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { replayProjections } from '@roamledger/audit';
import { catalogProjection } from '@roamledger/catalog';
import { openPgliteClient, openPostgresClient, type SqlClient, SqlEventStore } from '@roamledger/event-store';
import { LocationStreams } from '@roamledger/locations';
import { openProjectionDb, ProjectionHost } from '@roamledger/projections';
import { TariffStreams } from '@roamledger/tariffs';
import { evse, location, tariff } from '../support/location-fixtures';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';

// `audit replay` over the catalog: every one of its tables (location tree, EVSE status history,
// tariff versions) is rebuilt from the log and compared with the live one, in the embedded
// projections database and in a PostgreSQL schema; a row changed in any of them is found.

const T0 = '2026-03-01T08:00:00Z';
const T1 = '2026-03-01T08:05:00Z';
const T2 = '2026-03-01T08:10:00Z';
const ref = { country_code: 'BE', party_id: 'BEC', location_id: 'L1' };

/** One row of each catalog table changed, and changed back. */
const TAMPERING = [
  {
    table: 'catalog_locations',
    change: "UPDATE catalog_locations SET name = 'Not in the log' WHERE location_key = 'L1'",
    undo: "UPDATE catalog_locations SET name = 'Gent Zuid' WHERE location_key = 'L1'",
  },
  {
    table: 'catalog_evses',
    change: "UPDATE catalog_evses SET status = 'OUTOFORDER' WHERE evse_key = 'E1'",
    undo: "UPDATE catalog_evses SET status = 'CHARGING' WHERE evse_key = 'E1'",
  },
  {
    table: 'catalog_evse_status',
    change: "UPDATE catalog_evse_status SET status = 'AVAILABLE' WHERE evse_key = 'E1' AND status = 'CHARGING'",
    undo: "UPDATE catalog_evse_status SET status = 'CHARGING' WHERE position = (SELECT max(position) FROM catalog_evse_status WHERE evse_key = 'E1')",
  },
  {
    table: 'catalog_tariff_versions',
    change: "UPDATE catalog_tariff_versions SET currency = 'USD' WHERE tariff_key = 'T1' AND version = 2",
    undo: "UPDATE catalog_tariff_versions SET currency = 'EUR' WHERE tariff_key = 'T1' AND version = 2",
  },
];

interface Backend {
  name: string;
  /** The live database, as CatalogModule opens it. */
  openLive(): Promise<SqlClient>;
  /** A fresh one to rebuild into, as `audit replay` opens it; and how to let go of it. */
  openTarget(): Promise<{ db: SqlClient; dispose(): Promise<void> }>;
  dispose(): Promise<void>;
}

function pglite(): Backend {
  return {
    name: 'the embedded projections database',
    openLive: () => openPgliteClient(undefined),
    async openTarget() {
      const db = await openPgliteClient(undefined);
      return { db, dispose: () => db.close() };
    },
    async dispose() {},
  };
}

function postgres(): Backend {
  const live = freshSchemaName('rl_catalog_live');
  const targets: string[] = [];
  return {
    name: 'a PostgreSQL schema',
    openLive: () => openProjectionDb({ dataDir: '/nonexistent', databaseUrl: TEST_DATABASE_URL, schema: live }),
    async openTarget() {
      const schema = freshSchemaName('rl_catalog_replay');
      targets.push(schema);
      const db = await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 2 });
      return { db, dispose: () => db.close() };
    },
    async dispose() {
      for (const schema of [live, ...targets]) await dropSchema(schema);
    },
  };
}

for (const backend of [pglite(), postgres()]) {
  describe(`audit replay of the catalog, live in ${backend.name}`, () => {
    let store: SqlEventStore;
    let live: SqlClient;

    const replay = async () => {
      const target = await backend.openTarget();
      try {
        const report = await replayProjections({ store, live, target: target.db, projections: [catalogProjection()] });
        return report.projections[0];
      } finally {
        await target.dispose();
      }
    };

    before(async () => {
      store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
      const locations = new LocationStreams(store);
      const tariffs = new TariffStreams(store);
      await locations.putLocation(location('L1', T0, { evses: [evse('E1', T0), evse('E2', T0)] }), {});
      await locations.patchLocation(ref, { name: 'Gent Zuid', last_updated: T1 }, {});
      await locations.patchEvse({ ...ref, evse_uid: 'E1' }, { status: 'CHARGING', last_updated: T1 } as never, {});
      await tariffs.put(tariff('T1', T0, 0.25), {});
      await tariffs.put(tariff('T1', T2, 0.3), {});
      live = await backend.openLive();
      const host = new ProjectionHost(store, live, [catalogProjection()]);
      await host.start();
      await host.waitFor('catalog', await store.headPosition(), 60_000);
      await host.stop();
    });

    after(async () => {
      await live?.close();
      await store?.close();
      await backend.dispose();
    });

    test('every catalog table is rebuilt from the log and found the same', async () => {
      const catalog = await replay();
      assert.equal(catalog.status, 'same');
      assert.deepEqual(
        catalog.tables.map((t) => [t.table, t.same, (t.live?.rows ?? 0) > 0]),
        TAMPERING.map(({ table }) => [table, true, true]),
      );
      // Two tariff versions and two status rows for E1 (as published, then CHARGING): history, not only the present.
      const rows = Object.fromEntries(catalog.tables.map((t) => [t.table, t.live?.rows]));
      assert.equal(rows.catalog_tariff_versions, 2);
      assert.ok((rows.catalog_evse_status ?? 0) >= 3);
    });

    test('a row that differs from the log is found in each catalog table, by table and row', async () => {
      for (const { table, change } of TAMPERING) {
        const changed = await live.query(`${change} RETURNING 1`);
        assert.equal(changed.length, 1, `the test changes one row of ${table}`);
      }
      try {
        const catalog = await replay();
        assert.equal(catalog.status, 'differs');
        assert.deepEqual(
          catalog.tables.map((t) => [t.table, t.same, t.onlyLive?.length, t.onlyRebuilt?.length]),
          TAMPERING.map(({ table }) => [table, false, 1, 1]),
        );
      } finally {
        for (const { undo } of TAMPERING) await live.query(undo);
      }
      assert.equal((await replay()).status, 'same', 'changed back, the tables follow from the log again');
    });
  });
}

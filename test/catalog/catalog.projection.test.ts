import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { catalogProjection } from '@roamledger/catalog';
import { openPgliteClient, type SqlClient, SqlEventStore } from '@roamledger/event-store';
import { LocationStreams } from '@roamledger/locations';
import { type RebuildReport, rebuildProjections } from '@roamledger/projections';
import { TariffStreams } from '@roamledger/tariffs';
import { evse, location, tariff } from '../support/location-fixtures';

// The catalog projection rebuilt from the log alone: the same tables whatever the batch size, the
// tree's last_updated the latest of location and EVSEs, and tariff validity intervals that never
// overlap, also when a deleted tariff is PUT again.

const T0 = '2026-03-01T08:00:00Z';
const T1 = '2026-03-01T08:05:00Z';
const T2 = '2026-03-01T08:10:00Z';
const T3 = '2026-03-02T00:00:00Z';
const ref = { country_code: 'BE', party_id: 'BEC', location_id: 'L1' };

describe('catalog projection', () => {
  let store: SqlEventStore;
  const targets: SqlClient[] = [];
  const rebuild = async (batchSize: number): Promise<{ db: SqlClient; report: RebuildReport }> => {
    const db = await openPgliteClient(undefined);
    targets.push(db);
    return { db, report: await rebuildProjections({ store, target: db, projections: [catalogProjection()], batchSize }) };
  };

  before(async () => {
    store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
    const locations = new LocationStreams(store);
    const tariffs = new TariffStreams(store);
    await locations.putLocation(location('L1', T0, { evses: [evse('E1', T0), evse('E2', T0)] }), {});
    await locations.patchEvse({ ...ref, evse_uid: 'E1' }, { status: 'CHARGING', last_updated: T2 } as never, {});
    // Newer than the location's own last_updated, older than its EVSE's: applied, and the tree keeps T2.
    await locations.patchLocation(ref, { name: 'Gent Zuid', last_updated: T1 }, {});
    await tariffs.put(tariff('T1', T0, 0.25), {});
    await tariffs.delete({ country_code: 'BE', party_id: 'BEC', tariff_id: 'T1' }, T3, {});
    await tariffs.put(tariff('T1', T0, 0.25), {});
  });

  after(async () => {
    for (const db of targets) await db.close();
    await store?.close();
  });

  test('one event per batch and all in one batch give the same tables', async () => {
    const one = await rebuild(1);
    const all = await rebuild(1000);
    assert.deepEqual(one.report.projections, all.report.projections);

    const [gent] = await all.db.query<{ name: string; last_updated: string; evse_keys: string[] }>(
      `SELECT name, to_char(last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_updated, evse_keys FROM catalog_locations`,
    );
    assert.deepEqual(gent, { name: 'Gent Zuid', last_updated: T2, evse_keys: ['E1', 'E2'] });
    const statuses = await one.db.query<{ evse_key: string; status: string }>(
      'SELECT evse_key, status FROM catalog_evse_status ORDER BY position',
    );
    assert.deepEqual(
      statuses.map((row) => [row.evse_key, row.status]),
      [
        ['E1', 'AVAILABLE'],
        ['E2', 'AVAILABLE'],
        ['E1', 'CHARGING'],
      ],
    );
  });

  test('a tariff PUT again after its DELETE is in force from the DELETE on, not before', async () => {
    const { db } = await rebuild(1);
    const versions = await db.query<{ version: number; valid_from: string; valid_to: string | null }>(
      `SELECT version, to_char(valid_from AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS valid_from,
              to_char(valid_to AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS valid_to
         FROM catalog_tariff_versions ORDER BY version`,
    );
    assert.deepEqual(versions, [
      { version: 1, valid_from: T0, valid_to: T3 },
      { version: 2, valid_from: T3, valid_to: null },
    ]);
  });
});

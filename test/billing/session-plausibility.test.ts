import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BillingReadModel, billingProjection, pricingProjection } from '@roamledger/billing';
import { openPgliteClient, type SqlClient, SqlEventStore } from '@roamledger/event-store';
import { plausibilityFindings } from '@roamledger/ocpi';
import { ProjectionHost, rebuildProjections } from '@roamledger/projections';
import { session, TIME_ZONE, writers } from './billing-fixture';

// Sessions get the plausibility findings CDRs get on receipt, from the same rule set: in the
// finance session view, where /finance/sessions?finding= filters on them, and a correction by the
// CPO clears them.

const DE = { countryCode: 'DE', partyId: 'ABC' };
const T = '2026-11-03T08:00:00Z';

describe('session plausibility findings', () => {
  let store: SqlEventStore;
  let db: SqlClient;
  let host: ProjectionHost;
  const findingsOf = async (target: SqlClient) =>
    Object.fromEntries(
      (await target.query<{ session_id: string; findings: string[] }>('SELECT session_id, findings FROM session_view')).map(
        (row) => [row.session_id, row.findings],
      ),
    );

  before(async () => {
    store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
    db = await openPgliteClient(undefined);
    // The read model joins the pricing projection's tables (cost so far), as the hub hosts both.
    host = new ProjectionHost(
      store,
      db,
      [billingProjection({ timeZone: TIME_ZONE }), pricingProjection({ toleranceMinorUnits: 1 })],
      {
        batchSize: 2,
        maxWaitMs: 2,
      },
    );
    await host.start();
    const { sessions } = writers(store);
    const put = (id: string, fields: Partial<Parameters<typeof session>[2]>) =>
      sessions.put(session('DE*ABC', id, { start: T, kwh: 10, status: 'ACTIVE', lastUpdated: T, ...fields }));
    await put('OK', { end: '2026-11-03T09:00:00Z', cost: [4.2], status: 'COMPLETED' });
    await put('NEG', { kwh: -3, cost: [-1] });
    await put('HUGE', { kwh: 50_000 });
    await put('LONG', { end: '2026-11-20T08:00:00Z', status: 'COMPLETED' });
    await put('BACK', { end: '2026-11-02T08:00:00Z', status: 'COMPLETED' });
    await put('Y1', { start: '0001-01-01T00:00:00Z' });
    await put('CUR', { currency: 'XQQ' });
    // Absurd when it came, corrected by a later PATCH: the finding goes.
    await put('FIXED', { kwh: 90_000 });
    await sessions.patch(DE, 'FIXED', { kwh: 12, last_updated: '2026-11-03T08:30:00Z' });
    await host.waitFor('billing', await store.headPosition(), 30_000);
  });
  after(async () => {
    await host?.stop();
    await db?.close();
    await store?.close();
  });

  test('negative or absurd kWh, cost and duration, an end before the start, year 0001 and an unknown currency are findings', async () => {
    assert.deepEqual(await findingsOf(db), {
      OK: [],
      NEG: ['negative_cost', 'negative_energy'],
      HUGE: ['energy_implausible'],
      LONG: ['duration_implausible'],
      BACK: ['end_before_start'],
      Y1: ['date_implausible'],
      CUR: ['currency_not_iso_4217'],
      FIXED: [],
    });
  });

  test('they are the rule set CDRs use: the same codes for the same figures', () => {
    const codes = plausibilityFindings({
      energy: { field: 'kwh', value: 50_000 },
      start: { field: 'start_date_time', at: T },
      end: { field: 'end_date_time', at: '2026-11-20T08:00:00Z' },
      currency: 'EUR',
    }).map((finding) => finding.code);
    assert.deepEqual(codes, ['energy_implausible', 'duration_implausible']);
  });

  test('finance filters sessions on them', async () => {
    const model = new BillingReadModel(db);
    const ids = async (finding: string) =>
      (await model.sessionPage({ finding }, undefined, 100)).rows.map((row) => row.session_id).sort();
    assert.deepEqual(await ids('energy_implausible'), ['HUGE']);
    assert.deepEqual(await ids('negative_energy'), ['NEG']);
    assert.deepEqual(await ids('end_before_start'), ['BACK']);
  });

  test('a rebuild from the log finds the same', async () => {
    const target = await openPgliteClient(undefined);
    try {
      await rebuildProjections({ store, target, projections: [billingProjection({ timeZone: TIME_ZONE })], batchSize: 1000 });
      assert.deepEqual(await findingsOf(target), await findingsOf(db));
    } finally {
      await target.close();
    }
  });
});

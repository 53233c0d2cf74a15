import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { replayProjections } from '@roamledger/audit';
import { billingProjection } from '@roamledger/billing';
import { openPgliteClient, type SqlClient, SqlEventStore } from '@roamledger/event-store';
import { ProjectionHost, poisonEvents } from '@roamledger/projections';
import { sessionStream } from '@roamledger/sessions';
import { cdr, session, TIME_ZONE, writers } from '../billing/billing-fixture';

/**
 * Issue 15, item 1: a Session starting in year 0000 (which PostgreSQL's timestamptz refuses) was
 * accepted once and froze billing for every partner. The edge refuses it now; a log that already
 * holds such an event (written before) must still not stop the projection.
 */
describe('a projection meets an event it cannot apply', () => {
  let store: SqlEventStore;
  let db: SqlClient;
  let host: ProjectionHost;
  let poisonPosition: number;
  const projection = billingProjection({ timeZone: TIME_ZONE });

  before(async () => {
    store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
    db = await openPgliteClient(undefined);
    host = new ProjectionHost(store, db, [projection], { batchSize: 50, maxWaitMs: 2, retryMs: 50 });
    await host.start();
    const { sessions, cdrs } = writers(store);
    await sessions.put(
      session('DE*ABC', 'S1', { start: '2026-11-02T08:00:00Z', kwh: 3, status: 'ACTIVE', lastUpdated: '2026-11-02T08:00:00Z' }),
    );
    // As an older version stored it, past the edge: the decider would refuse it now.
    const bad = session('DE*CPO', 'Y0-1', {
      start: '0000-01-01T00:00:00Z',
      kwh: 1,
      status: 'ACTIVE',
      lastUpdated: '2026-11-02T09:00:00Z',
    });
    poisonPosition = (
      await store.append(sessionStream({ countryCode: 'DE', partyId: 'CPO' }, 'Y0-1'), [
        { type: 'SessionStarted', data: { country_code: 'DE', party_id: 'CPO', session_id: 'Y0-1', session: bad } },
      ])
    ).position;
    await cdrs.receive(
      cdr('DE*ABC', 'C1', { start: '2026-11-02T08:00:00Z', end: '2026-11-02T09:00:00Z', kwh: 3, excl: 1.5, currency: 'EUR' }),
    );
  });
  after(async () => {
    await host?.stop();
    await db?.close();
    await store?.close();
  });

  test('it records the event (position, error), steps over it and keeps billing', async () => {
    await host.waitFor('billing', await store.headPosition(), 20_000);
    const [poison, ...more] = await poisonEvents(db, 'billing');
    assert.equal(more.length, 0);
    assert.equal(poison.position, poisonPosition);
    assert.equal(poison.type, 'SessionStarted');
    assert.match(poison.error, /OCPI DateTime|out of range/);
    const [ledger] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM cdr_ledger');
    assert.equal(ledger.n, 1, 'the CDR after the poison event is billed');
    const [sessions] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM session_view');
    assert.equal(sessions.n, 1);
  });

  test('health says degraded, with the lag and the poison count', async () => {
    const [health] = await host.health();
    assert.equal(health.status, 'degraded');
    assert.equal(health.poison_events, 1);
    assert.equal(health.lag, 0);
  });

  test('replay fails while the live build holds poison events', async () => {
    const target = await openPgliteClient(undefined);
    try {
      const report = await replayProjections({ store, live: db, target, projections: [projection] });
      assert.equal(report.ok, false);
      assert.equal(report.projections[0].status, 'poison events');
      assert.equal(report.projections[0].poison?.[0].position, poisonPosition);
    } finally {
      await target.close();
    }
  });

  test('replay fails when the live build is behind the log', async () => {
    await host.stop();
    await writers(store).cdrs.receive(
      cdr('DE*ABC', 'C2', { start: '2026-11-03T08:00:00Z', end: '2026-11-03T09:00:00Z', kwh: 2, excl: 1, currency: 'EUR' }),
    );
    const target = await openPgliteClient(undefined);
    try {
      const report = await replayProjections({ store, live: db, target, projections: [projection], catchUpMs: 300 });
      assert.equal(report.ok, false);
      assert.equal(report.projections[0].status, 'behind');
      const [health] = await host.health();
      assert.ok(health.lag > 0);
    } finally {
      await target.close();
    }
  });
});

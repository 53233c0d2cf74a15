import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventStore } from '@roamledger/event-store';
import { OcpiClient } from '@roamledger/ocpi-transport';
import { PULL_SOURCE, type PullPartner, type PullReport, PullService } from '@roamledger/pull';
import { sessionStream } from '@roamledger/sessions';
import { type CpoSenderServer, startCpoSenderServer } from '../support/cpo-sender-server';
import { startingSession } from '../support/ocpi-fixtures';
import { CPO_A, PARTNERS, startReceiverApp, typesOf } from '../support/receiver-app';
import type { TestApp } from '../support/test-app';

type Json = Record<string, unknown> & { last_updated: string };

const TOKEN = 'token-for-calling-cpo-a';

function sessionAt(id: string, status: string, lastUpdated: string, kwh = 0): Json {
  return { ...startingSession(), id, status, kwh, last_updated: lastUpdated };
}

describe('Pulling Sessions from a CPO Sender interface', () => {
  let sender: CpoSenderServer;
  let harness: TestApp & { store: EventStore };
  let pull: PullService;
  const stream = (id: string) => sessionStream({ countryCode: 'NL', partyId: 'STK' }, id);
  const put = (session: Json) =>
    harness.app.inject({
      method: 'PUT',
      url: `/ocpi/emsp/2.2.1/sessions/NL/STK/${session.id}`,
      headers: { 'content-type': 'application/json', ...CPO_A },
      payload: JSON.stringify(session),
    });
  const completed = (report: PullReport) => {
    assert.equal(report.status, 'completed', JSON.stringify(report));
    return (report as Extract<PullReport, { status: 'completed' }>).run;
  };

  before(async () => {
    sender = await startCpoSenderServer({
      token: TOKEN,
      pageSize: 2,
      sessions: [
        sessionAt('S1', 'PENDING', '2026-05-01T10:00:00Z'),
        sessionAt('S2', 'ACTIVE', '2026-05-01T10:10:00Z', 2),
        sessionAt('S3', 'ACTIVE', '2026-05-01T10:20:00Z', 3),
      ],
    });
    const partner: PullPartner = {
      partnerId: 'p-cpo-a',
      parties: PARTNERS['token-cpo-a'].roles,
      senderUrl: (module) => (module === 'sessions' ? sender.sessionsUrl : undefined),
      client: async () => new OcpiClient({ token: TOKEN, retries: 0 }),
    };
    harness = await startReceiverApp([
      {
        provide: PULL_SOURCE,
        useValue: { list: async () => [partner], get: async (id: string) => (id === 'p-cpo-a' ? partner : undefined) },
      },
    ]);
    pull = harness.app.get(PullService);
  });
  after(async () => {
    await harness?.close();
    await sender?.close();
  });

  test('pulled sessions go through the PUT command: what push already delivered is not recorded twice', async () => {
    // S2 arrived by push exactly as the CPO serves it; S3 by push, newer than what the CPO serves.
    assert.equal((await put(sender.sessions[1])).statusCode, 201);
    assert.equal((await put(sessionAt('S3', 'COMPLETED', '2026-05-01T10:30:00Z', 4))).statusCode, 201);

    const [report] = await pull.pull('p-cpo-a', { modules: ['sessions'], dateFrom: new Date('2026-05-01T00:00:00Z') });
    const run = completed(report);
    assert.deepEqual([run.pages, run.received, run.recorded, run.unchanged, run.rejected.length], [2, 3, 1, 2, 0]);
    assert.deepEqual(await typesOf(harness.store, stream('S1')), ['OcpiObjectPulled', 'SessionStarted']);
    assert.deepEqual(await typesOf(harness.store, stream('S2')), ['OcpiRequestReceived', 'SessionStarted']);
    // The older copy of S3 is not an update anyone sent: no stale record either.
    assert.deepEqual(await typesOf(harness.store, stream('S3')), ['OcpiRequestReceived', 'SessionStarted', 'SessionEnded']);
  });

  test('a later pull records what changed at the CPO since, as updates of the same session', async () => {
    sender.sessions[0] = sessionAt('S1', 'ACTIVE', '2026-05-01T11:00:00Z', 1.5);
    const [report] = await pull.pull('p-cpo-a', { modules: ['sessions'], dateFrom: new Date('2026-05-01T00:00:00Z') });
    const run = completed(report);
    assert.equal(run.recorded, 1);
    assert.deepEqual(await typesOf(harness.store, stream('S1')), [
      'OcpiObjectPulled',
      'SessionStarted',
      'OcpiObjectPulled',
      'SessionUpdated',
      'SessionStatusChanged',
    ]);
    const view = await harness.app.inject({ method: 'GET', url: '/ocpi/emsp/2.2.1/sessions/NL/STK/S1', headers: CPO_A });
    assert.equal(view.json().data.status, 'ACTIVE');
    assert.equal(view.json().data.kwh, 1.5);
  });

  test('the sessions Sender GET always carries date_from (it is required there)', () => {
    const requests = sender.requests.filter((r) => r.module === 'sessions');
    assert.ok(requests.length >= 4);
    assert.ok(requests.every((r) => r.query.date_from === '2026-05-01T00:00:00Z' && r.query.date_to));
  });
});

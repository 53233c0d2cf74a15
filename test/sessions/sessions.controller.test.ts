import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { partnerStream } from '@roamledger/credentials';
import type { EventStore } from '@roamledger/event-store';
import { sessionStream } from '@roamledger/sessions';
import { finishedSession, sessionCostPatch, sessionPeriodPatch, startingSession } from '../support/ocpi-fixtures';
import { CPO_A, CPO_B, startReceiverApp, typesOf } from '../support/receiver-app';
import type { TestApp } from '../support/test-app';

type Json = Record<string, unknown>;

describe('Sessions receiver (eMSP)', () => {
  let harness: TestApp & { store: EventStore };
  before(async () => {
    harness = await startReceiverApp();
  });
  after(() => harness?.close());

  const send = (method: 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST', path: string, body?: unknown, headers = CPO_A) =>
    harness.app.inject({
      method,
      url: `/ocpi/emsp/2.2.1/sessions/${path}`,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const stream = (cc: string, pid: string, id: string) => sessionStream({ countryCode: cc, partyId: pid }, id);

  test('a starting session: PUT creates it (201), GET returns it', async () => {
    const example = startingSession();
    const response = await send('PUT', 'NL/STK/101', example);
    assert.equal(response.statusCode, 201);
    assert.equal(response.json().status_code, 1000);

    const [request, startedEvent] = await harness.store.readStream(stream('NL', 'STK', '101'));
    assert.equal(request.type, 'OcpiRequestReceived');
    assert.deepEqual(JSON.parse((request.data as { body: string }).body), example);
    assert.equal(startedEvent.type, 'SessionStarted');
    assert.equal(startedEvent.metadata.causationId, request.id);
    assert.equal(startedEvent.metadata.partnerId, 'p-cpo-a');

    const got = await send('GET', 'NL/STK/101');
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json().data, example);
  });

  test('a short finished session is started and ended at once', async () => {
    const response = await send('PUT', 'BE/BEC/101', finishedSession());
    assert.equal(response.statusCode, 201);
    assert.deepEqual(await typesOf(harness.store, stream('BE', 'BEC', '101')), [
      'OcpiRequestReceived',
      'SessionStarted',
      'SessionEnded',
    ]);
  });

  test('PATCHes: total_cost replaced, charging period appended', async () => {
    const base = {
      ...startingSession(),
      id: 'P1',
      status: 'ACTIVE',
      last_updated: '2026-03-01T08:00:00Z',
    };
    assert.equal((await send('PUT', 'NL/STK/P1', base)).statusCode, 201);
    const cost = await send('PATCH', 'NL/STK/P1', sessionCostPatch());
    assert.equal(cost.statusCode, 200);
    assert.equal(cost.json().status_code, 1000);
    const period = await send('PATCH', 'NL/STK/P1', sessionPeriodPatch());
    assert.equal(period.json().status_code, 1000);
    const again = await send('PATCH', 'NL/STK/P1', {
      charging_periods: [{ start_date_time: '2026-03-01T08:20:00Z', dimensions: [{ type: 'ENERGY', volume: 1 }] }],
      last_updated: '2026-03-01T08:20:00Z',
    });
    assert.equal(again.json().status_code, 1000);

    const view = (await send('GET', 'NL/STK/P1')).json().data as Json;
    assert.deepEqual(view.total_cost, { excl_vat: 0.8, incl_vat: 0.97 });
    assert.equal(view.kwh, 15);
    assert.deepEqual(
      (view.charging_periods as Json[]).map((p) => p.start_date_time),
      ['2026-03-01T08:15:00Z', '2026-03-01T08:20:00Z'],
    );
    assert.equal(view.last_updated, '2026-03-01T08:20:00Z');
  });

  test('a PATCH older than what we hold is kept in the log but changes nothing', async () => {
    // The starting session says last_updated 2026-03-09; the cost PATCH is from 2026-03-01.
    const response = await send('PATCH', 'NL/STK/101', sessionCostPatch());
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().status_code, 1000);
    assert.match(response.json().status_message, /older/);
    const types = await typesOf(harness.store, stream('NL', 'STK', '101'));
    assert.deepEqual(types.slice(-2), ['OcpiRequestReceived', 'StaleSessionUpdateReceived']);
    assert.deepEqual((await send('GET', 'NL/STK/101')).json().data.total_cost, { excl_vat: 1.5 });
  });

  test('an impossible status change is answered, recorded and flagged, not applied', async () => {
    const response = await send('PATCH', 'BE/BEC/101', { status: 'ACTIVE', last_updated: '2026-02-11T00:00:00Z' });
    assert.equal(response.json().status_code, 1000);
    assert.match(response.json().status_message, /COMPLETED/);
    const types = await typesOf(harness.store, stream('BE', 'BEC', '101'));
    assert.equal(types.at(-1), 'SessionStatusTransitionFlagged');
    assert.equal((await send('GET', 'BE/BEC/101')).json().data.status, 'COMPLETED');
  });

  test('PATCH before PUT: kept in the log, answered 404 (unknown object), applied when the PUT arrives', async () => {
    const early = { status: 'ACTIVE', kwh: 3.5, last_updated: '2026-05-01T10:05:00Z' };
    const response = await send('PATCH', 'NL/STK/EARLY-1', early);
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().status_code, 2000);
    assert.match(response.json().status_message, /PUT/);
    assert.deepEqual(await typesOf(harness.store, stream('NL', 'STK', 'EARLY-1')), ['OcpiRequestReceived', 'SessionPatchHeld']);
    assert.equal((await send('GET', 'NL/STK/EARLY-1')).statusCode, 404);

    const put = { ...startingSession(), id: 'EARLY-1', last_updated: '2026-05-01T10:00:00Z' };
    assert.equal((await send('PUT', 'NL/STK/EARLY-1', put)).statusCode, 201);
    const view = (await send('GET', 'NL/STK/EARLY-1')).json().data as Json;
    assert.equal(view.status, 'ACTIVE');
    assert.equal(view.kwh, 3.5);
    assert.equal(view.last_updated, '2026-05-01T10:05:00Z');
  });

  test('invalid bodies: 2001 naming the field, and nothing but a rejection appended', async () => {
    const example = startingSession();
    const cases: Array<['PUT' | 'PATCH', string, unknown, RegExp]> = [
      ['PUT', 'NL/STK/101', { ...example, status: 'RUNNING' }, /status/],
      ['PUT', 'NL/STK/101', { ...example, kwh: '12' }, /kwh/],
      ['PUT', 'NL/STK/101', { ...example, id: undefined }, /id/],
      ['PUT', 'NL/STK/102', example, /id "101" where the URL has "102"/],
      ['PUT', 'NL/STK/101', { ...example, party_id: 'STL' }, /party_id/],
      // Year 0000 once froze billing (issue 15): PostgreSQL's timestamptz cannot hold it.
      ['PUT', 'NL/STK/103', { ...example, id: '103', start_date_time: '0000-01-01T00:00:00Z' }, /start_date_time/],
      ['PATCH', 'NL/STK/101', { kwh: 3 }, /last_updated/],
      ['PATCH', 'NL/STK/101', { id: '999', last_updated: '2026-01-01T00:00:00Z' }, /id/],
    ];
    const head = await harness.store.headPosition();
    for (const [method, path, body, field] of cases) {
      const response = await send(method, path, body);
      assert.equal(response.statusCode, 200, `${method} ${JSON.stringify(body)}`);
      assert.equal(response.json().status_code, 2001);
      assert.match(response.json().status_message, field);
    }
    const appended = await harness.store.readAll({ fromPosition: head + 1 });
    assert.deepEqual(
      appended.map((e) => [e.stream, e.type]),
      cases.map(() => [partnerStream('p-cpo-a'), 'OcpiRequestRejected']),
    );
  });

  test('DELETE and POST are not part of the Receiver interface: 405 in the envelope', async () => {
    for (const method of ['DELETE', 'POST'] as const) {
      const response = await send(method, 'NL/STK/101', method === 'POST' ? {} : undefined);
      assert.equal(response.statusCode, 405, method);
      assert.equal(response.json().status_code, 2000);
      assert.ok(response.json().timestamp);
    }
    assert.equal((await send('GET', 'NL/STK/101')).statusCode, 200);
  });

  test('party isolation: another partner can neither read nor write these sessions', async () => {
    const before = await typesOf(harness.store, stream('NL', 'STK', '101'));
    const example = startingSession();
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', example],
      ['PATCH', { kwh: 99, last_updated: '2030-01-01T00:00:00Z' }],
    ] as const) {
      const response = await send(method, 'NL/STK/101', body, CPO_B);
      assert.equal(response.statusCode, 404, method);
      assert.notEqual(response.json().status_code, 1000);
    }
    assert.deepEqual(await typesOf(harness.store, stream('NL', 'STK', '101')), before);
    assert.equal((await send('GET', 'NL/STK/101')).json().data.kwh, 0);
  });

  test('optional fields sent as null and DateTimes with an offset: the log keeps the request as sent, events and GET the UTC form without nulls', async () => {
    const example = finishedSession() as Json & { charging_periods: Json[] };
    const sent = {
      ...example,
      id: 'Z1',
      start_date_time: '2026-02-10T10:00:00+02:00',
      last_updated: '2026-02-10T09:30:05',
      authorization_reference: null,
      meter_id: null,
      charging_periods: example.charging_periods.map((period) => ({ ...period, tariff_id: null })),
    };
    const raw = JSON.stringify(sent, null, 1);
    const response = await send('PUT', 'BE/BEC/Z1', raw);
    assert.equal(response.statusCode, 201);

    const expected = {
      ...example,
      id: 'Z1',
      charging_periods: example.charging_periods.map(({ tariff_id: _, ...period }) => period),
    };
    delete (expected as Json).authorization_reference;
    delete (expected as Json).meter_id;
    const got = await send('GET', 'BE/BEC/Z1');
    assert.deepEqual(got.json().data, expected);
    assert.doesNotMatch(got.body, /null/);

    const [request, started] = await harness.store.readStream(stream('BE', 'BEC', 'Z1'));
    assert.equal((request.data as { body: string }).body, raw);
    assert.deepEqual((started.data as { session: Json }).session, expected);
  });

  test('ids are case-insensitive: the same session whatever the case of the URL', async () => {
    const got = await send('GET', 'nl/stk/101');
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().data.id, '101');
    const unknown = await send('GET', 'NL/STK/nope');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().status_code, 2000);
  });
});

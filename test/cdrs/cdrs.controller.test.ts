import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CdrFinding, cdrStream } from '@roamledger/cdrs';
import { partnerStream } from '@roamledger/credentials';
import type { EventStore } from '@roamledger/event-store';
import { cdr, finishedSession } from '../support/ocpi-fixtures';
import { CPO_A, CPO_B, startReceiverApp, typesOf } from '../support/receiver-app';
import type { TestApp } from '../support/test-app';

type Json = Record<string, unknown>;

describe('CDRs receiver (eMSP)', () => {
  let harness: TestApp & { store: EventStore };
  before(async () => {
    harness = await startReceiverApp();
  });
  after(() => harness?.close());

  const request = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, headers = CPO_A) =>
    harness.app.inject({
      method,
      url: `/ocpi/emsp/2.2.1/cdrs${path}`,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  const post = (body: unknown, headers = CPO_A) => request('POST', '', body, headers);
  const example = cdr;
  const stream = (id: string) => cdrStream({ countryCode: 'BE', partyId: 'BEC' }, id);

  test('a CDR: stored once (201) with a Location that GET answers', async () => {
    const response = await post(example());
    assert.equal(response.statusCode, 201);
    assert.equal(response.json().status_code, 1000);
    const location = response.headers.location as string;
    assert.equal(location, `${harness.config.publicUrl}/ocpi/emsp/2.2.1/cdrs/BE/BEC/12345`);

    const got = await harness.app.inject({ method: 'GET', url: new URL(location).pathname, headers: CPO_A });
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json().data, example());

    const [req, received] = await harness.store.readStream(stream('12345'));
    assert.equal(req.type, 'OcpiRequestReceived');
    assert.equal(received.type, 'CdrReceived');
    assert.equal(received.metadata.causationId, req.id);
    // Its token is NL*TST's (not a party hosted here), and it names no session: findings, not rejections.
    const findings = (received.data as { findings: CdrFinding[] }).findings;
    assert.deepEqual(
      findings.map((f) => f.code),
      ['token_not_ours', 'no_session_id', 'token_not_verified'],
    );
  });

  test('the identical CDR again: 200, same Location, still one CDR', async () => {
    const response = await post(example());
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().status_code, 1000);
    assert.match(response.headers.location as string, /\/cdrs\/BE\/BEC\/12345$/);
    assert.deepEqual(await typesOf(harness.store, stream('12345')), [
      'OcpiRequestReceived',
      'CdrReceived',
      'OcpiRequestReceived',
    ]);
  });

  test('a different CDR under the same id: a clear error, CdrRejected recorded, the first one kept', async () => {
    const response = await post({ ...example(), total_energy: 20 });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().status_code, 2000);
    assert.match(response.json().status_message, /already received with different total_energy.*credit CDR/);
    assert.equal(response.headers.location, undefined);
    const types = await typesOf(harness.store, stream('12345'));
    assert.deepEqual(types.slice(-2), ['OcpiRequestReceived', 'CdrRejected']);
    const got = await request('GET', '/BE/BEC/12345');
    assert.equal(got.json().data.total_energy, 12.5);
  });

  test('a credit CDR is stored as a credit and linked both ways with the original', async () => {
    const original = example();
    const credit = {
      ...original,
      id: '12345-C',
      credit: true,
      credit_reference_id: '12345',
      total_cost: { excl_vat: -4.75, incl_vat: -5.75 },
      total_energy_cost: { excl_vat: -3.75, incl_vat: -4.54 },
      total_parking_cost: { excl_vat: -1, incl_vat: -1.21 },
      last_updated: '2026-02-12T10:00:00Z',
    };
    const response = await post(credit);
    assert.equal(response.statusCode, 201);
    assert.match(response.headers.location as string, /\/cdrs\/BE\/BEC\/12345-C$/);
    const [, creditEvent] = await harness.store.readStream(stream('12345-C'));
    assert.equal(creditEvent.type, 'CreditCdrReceived');
    const data = creditEvent.data as { original_found: boolean; findings: CdrFinding[] };
    assert.equal(data.original_found, true);
    assert.ok(!data.findings.some((f) => f.code.startsWith('credit')));
    const originalEvents = await harness.store.readStream(stream('12345'));
    const credited = originalEvents[originalEvents.length - 1];
    assert.equal(credited.type, 'CdrCredited');
    assert.equal((credited.data as { credit_cdr_id: string }).credit_cdr_id, '12345-C');
  });

  test('a CDR for a session we hold is linked to it', async () => {
    const session = { ...finishedSession(), id: 'S-77' };
    const put = await harness.app.inject({
      method: 'PUT',
      url: '/ocpi/emsp/2.2.1/sessions/BE/BEC/S-77',
      headers: { 'content-type': 'application/json', ...CPO_A },
      payload: JSON.stringify(session),
    });
    assert.equal(put.statusCode, 201);
    const response = await post({ ...example(), id: 'CDR-77', session_id: 's-77' });
    assert.equal(response.statusCode, 201);
    const events = await harness.store.readStream(stream('CDR-77'));
    assert.deepEqual(
      events.map((e) => e.type),
      ['OcpiRequestReceived', 'CdrReceived', 'CdrLinkedToSession'],
    );
    assert.equal((events[2].data as { session_stream: string }).session_stream, 'session-BE-BEC-S-77');
  });

  test('invalid bodies: 2001 naming the field, and nothing but a rejection appended', async () => {
    const { currency: _currency, ...withoutCurrency } = example();
    const cases: Array<[unknown, RegExp]> = [
      [withoutCurrency, /currency/],
      [{ ...example(), id: 'NEW-1', charging_periods: [] }, /charging_periods/],
      [{ ...example(), id: 'NEW-2', total_cost: 4 }, /total_cost/],
      [{ ...example(), id: 'NEW-3', credit: true }, /credit_reference_id/],
      [{ ...example(), id: 'NEW-4', end_date_time: 'tomorrow' }, /end_date_time/],
    ];
    const head = await harness.store.headPosition();
    for (const [body, field] of cases) {
      const response = await post(body);
      assert.equal(response.statusCode, 200);
      assert.equal(response.json().status_code, 2001);
      assert.match(response.json().status_message, field);
    }
    const appended = await harness.store.readAll({ fromPosition: head + 1 });
    assert.deepEqual(
      appended.map((e) => [e.stream, e.type]),
      cases.map(() => [partnerStream('p-cpo-a'), 'OcpiRequestRejected']),
    );
  });

  test('PUT, PATCH and DELETE are not part of the Receiver interface: 405 in the envelope', async () => {
    for (const [method, path] of [
      ['PUT', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['PUT', '/BE/BEC/12345'],
      ['PATCH', '/BE/BEC/12345'],
      ['DELETE', '/BE/BEC/12345'],
    ] as const) {
      const response = await request(method, path, method === 'DELETE' ? undefined : example());
      assert.equal(response.statusCode, 405, `${method} ${path}`);
      assert.equal(response.json().status_code, 2000);
    }
    assert.equal((await request('GET', '/BE/BEC/12345')).statusCode, 200);
  });

  test('party isolation: another partner can neither post nor read these CDRs', async () => {
    const head = await harness.store.headPosition();
    const posted = await post({ ...example(), id: 'B-1' }, CPO_B);
    assert.equal(posted.statusCode, 404);
    assert.notEqual(posted.json().status_code, 1000);
    const read = await request('GET', '/BE/BEC/12345', undefined, CPO_B);
    assert.equal(read.statusCode, 404);
    assert.equal(read.json().data, null);
    const appended = await harness.store.readAll({ fromPosition: head + 1 });
    assert.deepEqual(
      appended.map((e) => [e.stream, e.type]),
      [[partnerStream('p-cpo-b'), 'OcpiRequestRejected']],
    );
    assert.deepEqual(await harness.store.readStream(stream('B-1')), []);
  });

  test('the same CDR re-sent with its instants written differently is a duplicate, not a conflict', async () => {
    const sent: Json = { ...example(), id: 'ZONE-1', start_date_time: '2026-02-10T08:00:00', meter_id: null };
    const first = await post(sent);
    assert.equal(first.statusCode, 201);
    // The same CDR, as another system formats it: Z, an offset, the null left out.
    const { meter_id: _, ...again }: Json = {
      ...sent,
      start_date_time: '2026-02-10T10:00:00+02:00',
      end_date_time: (sent.end_date_time as string).replace('Z', '+00:00'),
    };
    const second = await post(again);
    assert.equal(second.statusCode, 200);
    assert.equal(second.json().status_code, 1000);
    assert.equal(second.json().status_message, 'CDR already received; nothing changed');
    assert.deepEqual(await typesOf(harness.store, stream('ZONE-1')), [
      'OcpiRequestReceived',
      'CdrReceived',
      'OcpiRequestReceived',
    ]);
    const got = await request('GET', '/BE/BEC/ZONE-1');
    assert.deepEqual(got.json().data, { ...example(), id: 'ZONE-1' });
  });

  test('GET of an unknown CDR: 404 in the envelope', async () => {
    const response = await request('GET', '/BE/BEC/none');
    assert.equal(response.statusCode, 404);
    assert.equal((response.json() as Json).status_code, 2000);
  });
});

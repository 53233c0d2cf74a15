import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Module } from '@nestjs/common';
import { AuditModule, checkProof } from '@roamledger/audit';
import { ConsoleModule } from '@roamledger/console';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { ServiceModule } from '@roamledger/service';
import { startTestApp, type TestApp } from '../support/test-app';

@Module({})
class AuditApiRoot {}

const AUDIT_KEY = 'audit-api-test-key-0123456789';
const FINANCE_KEY = 'audit-api-test-finance-key';

describe('the read-only audit API', () => {
  let testApp: TestApp;
  let store: EventStore;

  const get = (url: string, key: string | null = AUDIT_KEY) =>
    testApp.app.inject({ method: 'GET', url, headers: key ? { authorization: `Bearer ${key}` } : {} });

  before(async () => {
    testApp = await startTestApp(
      (config) => ({
        module: AuditApiRoot,
        // Seals every 10 events, so the log has a seal and a tail after it.
        imports: [ServiceModule.forRoot(config), ConsoleModule, AuditModule.forRoot({ everyEvents: 10, everySeconds: 3600 })],
      }),
      { AUDIT_API_KEY: AUDIT_KEY, FINANCE_API_KEY: FINANCE_KEY },
    );
    store = testApp.app.get(EVENT_STORE);
    const event = (type: string, data: unknown) => ({ id: randomUUID(), type, data, metadata: { requestId: `req-${type}` } });
    await store.append('partner-p1', [
      event('PartnerInvited', { partner_id: 'p1', name: 'CPO One', country_code: 'BE', party_id: 'ONE', roles: ['CPO'] }),
      event('OcpiRequestRejected', { reason: 'not a timeline event' }),
      event('PartnerSuspended', { reason: 'unpaid invoices', suspended_at: '2026-11-01T00:00:00Z' }),
    ]);
    for (let i = 0; i < 12; i++) await store.append(`note-${i}`, [event('NoteWritten', { i })]);
    // The sealer runs beside the app: wait for its first seal to be in the log.
    for (let tries = 0; tries < 600; tries++) {
      if ((await store.readStream('audit-seals')).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  after(() => testApp?.close());

  test('only the audit key opens it: none, a wrong one and the finance key get 401', async () => {
    for (const key of [null, 'wrong', FINANCE_KEY]) {
      for (const url of [
        '/audit/head',
        '/audit/verify',
        '/audit/proof/0',
        '/audit/partners/timeline',
        '/audit/partners/contacts',
        '/audit/streams/partner-p1',
      ]) {
        const response = await get(url, key);
        assert.equal(response.statusCode, 401, `${url} with ${key}`);
        assert.equal(response.headers['www-authenticate'], 'Bearer realm="audit"');
      }
    }
    assert.equal((await get('/audit/docs', null)).statusCode, 200);
  });

  test('GET /audit/head: the position, the last seal and its age, what is not sealed yet', async () => {
    const head = (await get('/audit/head')).json();
    const position = await store.headPosition();
    assert.equal(head.position, position);
    assert.equal(head.last_seal.sequence, 0);
    assert.equal(head.last_seal.from_position, 0);
    assert.ok(head.last_seal.to_position >= 9, JSON.stringify(head.last_seal));
    assert.ok(head.last_seal.age_seconds >= 0 && head.last_seal.age_seconds < 600);
    assert.equal(head.unsealed_positions, position - head.last_seal.position);
  });

  test('GET /audit/verify streams progress, then a report that the log holds', async () => {
    const response = await get('/audit/verify');
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /^application\/x-ndjson/);
    const lines = response.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(lines[0].progress, { done: 0, position: -1, fraction: 0 });
    const last = lines[lines.length - 1];
    assert.equal(last.report.ok, true, JSON.stringify(last.report.problems));
    assert.equal(last.report.events, (await store.headPosition()) + 1);
    assert.equal(last.report.seals, 1);
    // Up to a position: only the events up to it.
    const part = (await get('/audit/verify?to=4')).body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(part[part.length - 1].report.events, 5);
    assert.equal((await get('/audit/verify?to=-1')).statusCode, 400);
  });

  test('GET /audit/proof/{position}: a file the proof checker accepts, 404 where no event stands', async () => {
    for (const position of [2, await store.headPosition()]) {
      const response = await get(`/audit/proof/${position}`);
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-disposition'], `attachment; filename="proof-${position}.json"`);
      const proof = response.json();
      assert.equal(proof.event.position, position);
      assert.equal(checkProof(proof).ok, true, JSON.stringify(checkProof(proof)));
    }
    assert.equal((await get('/audit/proof/2')).json().anchor.kind, 'seal');
    assert.equal((await get('/audit/proof/999999')).statusCode, 404);
    assert.equal((await get('/audit/proof/abc')).statusCode, 400);
  });

  test('GET /audit/partners/timeline: the partner events only, in log order, paged', async () => {
    const body = (await get('/audit/partners/timeline')).json();
    assert.deepEqual(
      body.items.map((item: { type: string; partner_id: string }) => [item.type, item.partner_id]),
      [
        ['PartnerInvited', 'p1'],
        ['PartnerSuspended', 'p1'],
      ],
    );
    assert.equal(body.items[0].name, 'CPO One');
    assert.equal(body.items[0].party, 'BE*ONE');
    assert.equal(body.items[1].reason, 'unpaid invoices');
    assert.equal(body.next_from, null);
    const first = (await get('/audit/partners/timeline?limit=1')).json();
    assert.equal(first.items.length, 1);
    const second = (await get(`/audit/partners/timeline?limit=1&from=${first.next_from}`)).json();
    assert.equal(second.items[0].type, 'PartnerSuspended');
    assert.equal((await get('/audit/partners/timeline?limit=5000')).statusCode, 400);
  });

  test("GET /audit/streams/{stream}: the stream's history, each link checked", async () => {
    const body = (await get('/audit/streams/partner-p1')).json();
    assert.deepEqual(
      body.history.map((entry: { type: string; chain: string; requestId: string }) => [entry.type, entry.chain, entry.requestId]),
      [
        ['PartnerInvited', 'ok', 'req-PartnerInvited'],
        ['OcpiRequestRejected', 'ok', 'req-OcpiRequestRejected'],
        ['PartnerSuspended', 'ok', 'req-PartnerSuspended'],
      ],
    );
    assert.equal((await get('/audit/streams/nothing-here')).statusCode, 404);
  });

  // Last: it appends partner events the timeline test above does not expect.
  test("GET /audit/partners/contacts: each partner's last contact and its position, kept current from the log", async () => {
    const event = (type: string, data: unknown) => ({ id: randomUUID(), type, data });
    const contact = (id: string, at: string) =>
      store.append(`partnercontact-${id}`, [event('PartnerContacted', { partner_id: id, at })]);
    await contact('p1', '2026-11-02T10:00:00.000Z');
    const { position: lastOfP1 } = await contact('p1', '2026-11-02T10:01:00.000Z');
    const first = (await get('/audit/partners/contacts')).json();
    // The sealer may append a seal meanwhile: the position is the head the answer was read at.
    assert.ok(first.position >= lastOfP1 && first.position <= (await store.headPosition()), String(first.position));
    assert.deepEqual(first.items, [
      {
        partner_id: 'p1',
        name: 'CPO One',
        parties: ['BE*ONE'],
        roles: ['CPO'],
        status: 'invited',
        suspended: true,
        last_contact_at: '2026-11-02T10:01:00.000Z',
        last_contact_position: lastOfP1,
        age_seconds: first.items[0].age_seconds,
      },
    ]);
    assert.ok(first.items[0].age_seconds > 0);

    // Appended after the first answer: the next one folds them in.
    const role = (role: string, party: string) => ({
      role,
      country_code: 'DE',
      party_id: party,
      business_details: { name: party },
    });
    await store.append('partner-p2', [
      event('PartnerRegistered', {
        roles: [role('CPO', 'TWO'), role('HUB', 'TWO')],
        versions_url: 'https://two.example/versions',
      }),
    ]);
    await store.append('partner-p1', [event('PartnerResumed', { resumed_at: '2026-11-03T00:00:00Z' })]);
    const { position: ofP2 } = await contact('p2', '2026-11-03T08:00:00.000Z');
    const second = (await get('/audit/partners/contacts')).json();
    assert.ok(second.position >= ofP2 && second.position <= (await store.headPosition()), String(second.position));
    assert.deepEqual(
      second.items.map((p: Record<string, unknown>) => [
        p.partner_id,
        p.parties,
        p.roles,
        p.status,
        p.suspended,
        p.last_contact_position,
      ]),
      [
        ['p1', ['BE*ONE'], ['CPO'], 'invited', false, lastOfP1],
        ['p2', ['DE*TWO'], ['CPO', 'HUB'], 'registered', false, ofP2],
      ],
    );
    assert.equal(second.items[1].last_contact_at, '2026-11-03T08:00:00.000Z');
  });
});

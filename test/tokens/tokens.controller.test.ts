import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationFindings, authorizationFindingStream, tokenStream } from '@roamledger/tokens';
import { CPO_A, CPO_B } from '../support/receiver-app';
import { ourToken, startTokensApp, TOKENS_ADMIN_KEY, type TokensHarness } from './tokens-harness';

type Json = Record<string, unknown>;

const token = ourToken;

describe('tokens: the register, the Sender interface and real-time authorization', () => {
  let hub: TokensHarness;
  before(async () => {
    hub = await startTokensApp();
  });
  after(() => hub?.close());

  const admin = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, operator?: string) =>
    hub.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${TOKENS_ADMIN_KEY}`,
        ...(operator ? { 'x-operator': operator } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  const ocpi = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, headers: Record<string, string> = CPO_A) =>
    hub.app.inject({
      method,
      url,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });

  test('POST /admin/tokens issues a token (201, stamped), refuses a duplicate (409) and a party not ours (400)', async () => {
    const created = await admin('POST', '/admin/tokens', token('T001'), 'alice');
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().uid, 'T001');
    assert.match(created.json().last_updated, /Z$/);
    assert.equal((await admin('POST', '/admin/tokens', token('T001'))).statusCode, 409);
    const foreign = await admin('POST', '/admin/tokens', token('T002', { country_code: 'DE', party_id: 'XXX' }));
    assert.equal(foreign.statusCode, 400);
    assert.match(JSON.stringify(foreign.json().message), /not one of our parties/);
    const invalid = await admin('POST', '/admin/tokens', token('T003', { whitelist: 'SOMETIMES' }));
    assert.equal(invalid.statusCode, 400);
    assert.equal((await hub.app.inject({ method: 'POST', url: '/admin/tokens', payload: token('T004') })).statusCode, 401);

    const [issued] = await hub.store.readStream(tokenStream({ country_code: 'NL', party_id: 'RLG', uid: 'T001', type: 'RFID' }));
    assert.equal(issued.type, 'TokenIssued');
    assert.equal((issued.data as Json).by, 'admin-api:alice');
  });

  test('PATCH blocks and unblocks; GET shows the token from its stream', async () => {
    await admin('POST', '/admin/tokens', token('T010'));
    const blocked = await admin('PATCH', '/admin/tokens/NL/RLG/T010?type=RFID', { valid: false }, 'bob');
    assert.equal(blocked.statusCode, 200, blocked.body);
    assert.equal(blocked.json().token.valid, false);
    const got = await admin('GET', '/admin/tokens/nl/rlg/T010');
    assert.equal(got.json().token.valid, false);
    assert.equal((await admin('PATCH', '/admin/tokens/NL/RLG/NOPE', { valid: false })).statusCode, 404);
    assert.equal((await admin('PATCH', '/admin/tokens/NL/RLG/T010', { uid: 'X' })).statusCode, 400);
    const types = (
      await hub.store.readStream(tokenStream({ country_code: 'NL', party_id: 'RLG', uid: 'T010', type: 'RFID' }))
    ).map((e) => e.type);
    assert.deepEqual(types, ['TokenIssued', 'TokenBlocked']);
  });

  test('import: good rows imported, bad rows reported by line', async () => {
    const report = await admin('POST', '/admin/tokens/import', {
      source: 'tokens.ndjson',
      rows: [
        { line: 1, token: token('I001') },
        { line: 2, token: token('I002', { valid: 'yes' }) },
        { line: 3, token: token('I003') },
      ],
    });
    assert.equal(report.statusCode, 200, report.body);
    assert.equal(report.json().imported, 2);
    assert.deepEqual(
      report.json().rejected.map((r: { line: number }) => r.line),
      [2],
    );
    const again = await admin('POST', '/admin/tokens/import', {
      source: 'tokens.ndjson',
      rows: [{ line: 1, token: token('I001') }],
    });
    assert.equal(again.json().unchanged, 1);
  });

  test('GET /admin/tokens filters, and the OCPI GET pages with Link, X-Total-Count and X-Limit', async () => {
    await hub.caughtUp();
    const blocked = await admin('GET', '/admin/tokens?valid=false');
    assert.deepEqual(
      blocked.json().tokens.map((t: { uid: string }) => t.uid),
      ['T010'],
    );
    const page = await ocpi('GET', '/ocpi/emsp/2.2.1/tokens?limit=2');
    assert.equal(page.statusCode, 200, page.body);
    assert.equal(page.json().data.length, 2);
    assert.equal(page.headers['x-total-count'], '4');
    assert.equal(page.headers['x-limit'], '1000');
    assert.match(String(page.headers.link), /offset=2.*rel="next"/);
    const last = await ocpi('GET', '/ocpi/emsp/2.2.1/tokens?offset=2&limit=2');
    assert.equal(last.json().data.length, 2);
    assert.equal(last.headers.link, undefined);
    const none = await ocpi('GET', `/ocpi/emsp/2.2.1/tokens?date_from=${encodeURIComponent('2099-01-01T00:00:00Z')}`);
    assert.equal(none.json().data.length, 0);
  });

  test('authorize: ALLOWED with a fresh reference, BLOCKED, NOT_ALLOWED by the rule, 2004 for an unknown token', async () => {
    const allowed = await ocpi('POST', '/ocpi/emsp/2.2.1/tokens/T001/authorize?type=RFID', {
      location_id: 'LOC1',
      evse_uids: ['E1'],
    });
    assert.equal(allowed.statusCode, 200, allowed.body);
    const info = allowed.json().data;
    assert.equal(info.allowed, 'ALLOWED');
    assert.equal(info.token.uid, 'T001');
    assert.deepEqual(info.location, { location_id: 'LOC1', evse_uids: ['E1'] });
    assert.ok(info.authorization_reference.length <= 36);
    const second = await ocpi('POST', '/ocpi/emsp/2.2.1/tokens/T001/authorize');
    assert.notEqual(second.json().data.authorization_reference, info.authorization_reference);

    assert.equal((await ocpi('POST', '/ocpi/emsp/2.2.1/tokens/T010/authorize')).json().data.allowed, 'BLOCKED');

    await admin('PATCH', '/admin/tokens/NL/RLG/I001', { allowed_partners: ['p-cpo-b'] });
    const notAllowed = await ocpi('POST', '/ocpi/emsp/2.2.1/tokens/I001/authorize');
    assert.equal(notAllowed.json().data.allowed, 'NOT_ALLOWED');
    assert.equal((await ocpi('POST', '/ocpi/emsp/2.2.1/tokens/I001/authorize', undefined, CPO_B)).json().data.allowed, 'ALLOWED');
    await admin('PATCH', '/admin/tokens/NL/RLG/I003', { expired: true });
    assert.equal((await ocpi('POST', '/ocpi/emsp/2.2.1/tokens/I003/authorize')).json().data.allowed, 'EXPIRED');

    const unknown = await ocpi('POST', '/ocpi/emsp/2.2.1/tokens/NOPE/authorize');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().status_code, 2004);
    assert.equal(unknown.json().data, undefined);

    const bad = await ocpi('POST', '/ocpi/emsp/2.2.1/tokens/T001/authorize', { evse_uids: 'E1' });
    assert.equal(bad.json().status_code, 2001);
    assert.equal((await ocpi('POST', '/ocpi/emsp/2.2.1/tokens/T001/authorize?type=BADGE')).json().status_code, 2001);

    await hub.caughtUp();
    const decision = await admin('GET', `/admin/authorizations/${info.authorization_reference}`);
    assert.equal(decision.statusCode, 200, decision.body);
    assert.equal(decision.json().allowed, 'ALLOWED');
    assert.equal(decision.json().partner_id, 'p-cpo-a');
  });

  test('sessions carrying our reference are linked; a blocked token or a reference we never issued is a finding', async () => {
    const reference = (await ocpi('POST', '/ocpi/emsp/2.2.1/tokens/T001/authorize')).json().data.authorization_reference;
    const session = (id: string, uid: string, ref: string) => ({
      country_code: 'BE',
      party_id: 'BEC',
      id,
      start_date_time: '2026-11-01T08:00:00Z',
      kwh: 0,
      cdr_token: { country_code: 'NL', party_id: 'RLG', uid, type: 'RFID', contract_id: `NL-RLG-C${uid}` },
      auth_method: 'AUTH_REQUEST',
      authorization_reference: ref,
      location_id: 'LOC1',
      evse_uid: 'E1',
      connector_id: '1',
      currency: 'EUR',
      status: 'PENDING',
      last_updated: '2026-11-01T08:00:00Z',
    });
    for (const [id, uid, ref] of [
      ['S-LINKED', 'T001', reference],
      ['S-BLOCKED', 'T010', reference],
      ['S-FORGED', 'T001', 'NEVER-ISSUED'],
    ]) {
      const put = await ocpi('PUT', `/ocpi/emsp/2.2.1/sessions/BE/BEC/${id}`, session(id, uid, ref));
      assert.equal(put.json().status_code, 1000, put.body);
    }
    await hub.caughtUp();
    const linked = await admin('GET', `/admin/authorizations/${reference}`);
    assert.match(String(linked.json().session_stream), /^session-BE-BEC-S-/);
    const findings = (await admin('GET', '/admin/tokens/findings')).json() as Array<{ stream: string; finding: string }>;
    assert.deepEqual(
      findings.map((f) => `${f.stream} ${f.finding}`),
      ['session-BE-BEC-S-BLOCKED TOKEN_BLOCKED_AT_START', 'session-BE-BEC-S-FORGED UNKNOWN_AUTHORIZATION_REFERENCE'],
    );
    const filtered = (await admin('GET', '/admin/tokens/findings?finding=TOKEN_BLOCKED_AT_START')).json();
    assert.equal(filtered.length, 1);

    // And in the log, as domain events naming the session, once each (a second pass raises nothing).
    const recorder = hub.app.get(AuthorizationFindings);
    await recorder.raiseNew();
    await recorder.raiseNew();
    const raised = (await hub.store.readAll({ filter: { eventTypes: ['AuthorizationFindingRaised'] } })).map(
      (e) => e.data as Json,
    );
    assert.deepEqual(
      raised.map((f) => `${f.finding} ${f.object} ${f.country_code} ${f.party_id} ${f.id} ${f.authorization_reference}`).sort(),
      [
        `TOKEN_BLOCKED_AT_START session BE BEC S-BLOCKED ${reference.toUpperCase()}`,
        'UNKNOWN_AUTHORIZATION_REFERENCE session BE BEC S-FORGED NEVER-ISSUED',
      ],
    );
    assert.deepEqual(
      (await hub.store.readAll({ filter: { eventTypes: ['AuthorizationFindingRaised'] } })).map((e) => e.stream).sort(),
      [
        authorizationFindingStream('TOKEN_BLOCKED_AT_START', 'session-BE-BEC-S-BLOCKED'),
        authorizationFindingStream('UNKNOWN_AUTHORIZATION_REFERENCE', 'session-BE-BEC-S-FORGED'),
      ],
    );
  });
});

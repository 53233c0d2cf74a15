import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { hubModule } from '@roamledger/modules';
import { tokenPushStream } from '@roamledger/tokens';
import { gentCdrLocation } from '../support/ocpi-fixtures';
import { ocpiCall, PartnerServer, type ReceivedRequest } from '../support/partner-server';
import { startTestApp, type TestApp } from '../support/test-app';

// The hub as `npm start` runs it, on a real port, and a CPO on another real port with Tokens and
// Commands receivers: it gets our tokens pushed (and, after being down, the ones it missed), asks
// for real-time authorization, receives a START_SESSION, answers it and pushes the session and CDR.

const ADMIN_KEY = 'e2e-admin-key-tokens-0123456789';
const APP_KEY = 'e2e-app-key-0123456789';

// biome-ignore lint/suspicious/noExplicitAny: tests read the JSON they asked for
type Json = any;

async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the hub end to end: tokens pushed to a CPO, real-time authorization, commands and the session that follows', () => {
  let hub: TestApp;
  let store: EventStore;
  let base: string;
  let cpo: PartnerServer;
  let partnerId: string;
  let tokenC: string;
  /** What the CPO holds of our tokens, by uid: every PUT and PATCH it took. */
  const held = new Map<string, Json>();
  const puts: string[] = [];
  /** How the CPO answers the next START_SESSION: a timeout, and whether it will post a result. */
  const commandPlans: Array<{ timeout: number; result?: string }> = [];
  const commandRequests: Json[] = [];

  const cpoRoutes = async (request: ReceivedRequest) => {
    const [path] = request.path.split('?');
    const token = /^\/ocpi\/cpo\/2\.2\.1\/tokens\/NL\/RLG\/([^/]+)$/.exec(path);
    if (token && request.method === 'PUT') {
      held.set(token[1], request.body);
      puts.push(token[1]);
      return { data: undefined };
    }
    if (token && request.method === 'PATCH') {
      held.set(token[1], { ...held.get(token[1]), ...(request.body as object) });
      return { data: undefined };
    }
    if (request.method === 'POST' && path === '/ocpi/cpo/2.2.1/commands/START_SESSION') {
      const plan = commandPlans.shift() ?? { timeout: 30 };
      const body = request.body as Json;
      commandRequests.push(body);
      if (plan.result) {
        // The Charge Point answers later: the result comes asynchronously to our response_url.
        setTimeout(() => {
          void ocpiCall('POST', body.response_url, tokenC, { result: plan.result });
        }, 100);
      }
      return { data: { result: 'ACCEPTED', timeout: plan.timeout } };
    }
    return undefined;
  };

  const admin = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const app = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${APP_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const token = (uid: string, type = 'RFID') => ({
    country_code: 'NL',
    party_id: 'RLG',
    uid,
    type,
    contract_id: `NL-RLG-C${uid}`,
    issuer: 'Roamledger',
    valid: true,
    whitelist: 'ALLOWED',
  });
  const authorize = (uid: string, type = 'RFID') =>
    ocpiCall<Json>('POST', `${base}/ocpi/emsp/2.2.1/tokens/${uid}/authorize?type=${type}`, tokenC, { location_id: 'LOC1' });

  before(async () => {
    hub = await startTestApp(hubModule, { ADMIN_API_KEY: ADMIN_KEY, APP_API_KEY: APP_KEY }, { listen: true });
    store = hub.app.get(EVENT_STORE);
    base = hub.config.publicUrl;
    cpo = await new PartnerServer({
      countryCode: 'DE',
      partyId: 'ABC',
      modules: [
        { identifier: 'sessions', role: 'SENDER' },
        { identifier: 'cdrs', role: 'SENDER' },
        { identifier: 'tokens', role: 'RECEIVER' },
        { identifier: 'commands', role: 'RECEIVER' },
      ],
      routes: cpoRoutes,
    }).start();
    const invitation = await admin('POST', '/admin/partners', {
      name: 'CPO ABC',
      country_code: 'DE',
      party_id: 'ABC',
      roles: ['CPO'],
    });
    assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
    partnerId = invitation.body.id;
    const registration = await ocpiCall<{ token: string }>(
      'POST',
      `${base}/ocpi/2.2.1/credentials`,
      invitation.body.token_a,
      cpo.credentials(),
    );
    assert.equal(registration.body.status_code, 1000, registration.body.status_message);
    tokenC = registration.body.data?.token ?? '';
  });
  after(async () => {
    await hub?.close();
    await cpo?.close();
  });

  test('a token we issue is PUT to the CPO; a change is PATCHed', async () => {
    assert.equal((await admin('POST', '/admin/tokens', token('RFID-1'))).status, 201);
    await eventually('RFID-1 at the CPO', () => held.get('RFID-1'));
    assert.equal(held.get('RFID-1').contract_id, 'NL-RLG-CRFID-1');
    await admin('PATCH', '/admin/tokens/NL/RLG/RFID-1', { visual_number: 'CARD 1' });
    await eventually('the PATCH at the CPO', () => held.get('RFID-1').visual_number === 'CARD 1');
  });

  test('while the CPO is down pushes fail and are recorded; once it calls us again it gets the latest state of each token it missed, once', async () => {
    cpo.down = true;
    await admin('POST', '/admin/tokens', token('RFID-2'));
    await admin('PATCH', '/admin/tokens/NL/RLG/RFID-1', { valid: false });
    await admin('PATCH', '/admin/tokens/NL/RLG/RFID-2', { visual_number: 'CARD 2' });
    const failures = await eventually('three recorded push failures', async () => {
      const events = (await store.readStream(tokenPushStream(partnerId))).filter((e) => e.type === 'TokenPushFailed');
      return events.length >= 3 ? events : undefined;
    });
    assert.deepEqual(
      failures.map((e) => `${(e.data as Json).uid} ${(e.data as Json).method}`),
      ['RFID-2 PUT', 'RFID-1 PATCH', 'RFID-2 PATCH'],
    );
    assert.match((failures[0].data as Json).reason, /503/);
    assert.equal(held.get('RFID-1').valid, true);
    assert.equal(held.has('RFID-2'), false);

    cpo.down = false;
    const putsBefore = puts.length;
    // Its next successful request to us: a real-time authorization of the token blocked meanwhile.
    const blocked = await authorize('RFID-1');
    assert.equal(blocked.body.status_code, 1000);
    assert.equal(blocked.body.data.allowed, 'BLOCKED');
    await eventually(
      'the missed tokens at the CPO',
      () => held.get('RFID-2')?.visual_number === 'CARD 2' && held.get('RFID-1').valid === false,
    );
    // Once each, as PUTs of their latest state; nothing more when it calls again.
    await authorize('RFID-1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(puts.slice(putsBefore).sort(), ['RFID-1', 'RFID-2']);
    const resynced = (await store.readStream(tokenPushStream(partnerId))).filter((e) => e.type === 'TokensResynced');
    assert.equal(resynced.length, 1);
    assert.equal((resynced[0].data as Json).trigger, 'contact');
    // And an operator's resync finds nothing left to push.
    assert.deepEqual((await admin('POST', `/admin/tokens/resync/${partnerId}`)).body, {
      partner_id: partnerId,
      pushed: 0,
      failed: 0,
    });
  });

  test('real-time authorization: ALLOWED with a reference, BLOCKED, 2004 for an unknown token', async () => {
    await admin('POST', '/admin/tokens', token('APP-1', 'APP_USER'));
    const allowed = await authorize('APP-1', 'APP_USER');
    assert.equal(allowed.body.data.allowed, 'ALLOWED');
    assert.ok(allowed.body.data.authorization_reference);
    assert.equal((await authorize('RFID-1')).body.data.allowed, 'BLOCKED');
    const unknown = await authorize('NOPE');
    assert.equal(unknown.httpStatus, 404);
    assert.equal(unknown.body.status_code, 2004);
  });

  test('START_SESSION: 202 PENDING, the CPO answers ACCEPTED then its CommandResult ACCEPTED; the session and CDR it pushes are linked to the command and the authorization', async () => {
    const authorization = (await authorize('APP-1', 'APP_USER')).body.data.authorization_reference;
    commandPlans.push({ timeout: 30, result: 'ACCEPTED' });
    const sent = await app('POST', '/api/commands', {
      to: { country_code: 'DE', party_id: 'ABC' },
      command: 'START_SESSION',
      body: { token: { uid: 'APP-1', type: 'APP_USER' }, location_id: 'LOC1', evse_uid: '3256', connector_id: '1' },
    });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    assert.equal(sent.body.status, 'PENDING');
    const id = sent.body.id;
    const done = await eventually('the CommandResult', async () => {
      const got = await app('GET', `/api/commands/${id}`);
      return got.body.result ? got.body : undefined;
    });
    assert.equal(done.status, 'ACCEPTED');
    assert.deepEqual(done.response, { result: 'ACCEPTED', timeout: 30 });
    assert.deepEqual(done.result, { result: 'ACCEPTED' });
    const request = commandRequests[0];
    assert.equal(request.token.contract_id, 'NL-RLG-CAPP-1', 'the token is filled from the register');
    assert.equal(request.response_url, `${base}/ocpi/emsp/2.2.1/commands/START_SESSION/${id}`);
    const reference = request.authorization_reference;
    assert.equal(done.authorization_reference, reference);

    // The CPO pushes the session the command started, and its CDR; and one from the RFID authorization.
    const session = (id: string, ref: string) => ({
      country_code: 'DE',
      party_id: 'ABC',
      id,
      start_date_time: '2026-11-30T10:00:00Z',
      kwh: 0,
      cdr_token: { country_code: 'NL', party_id: 'RLG', uid: 'APP-1', type: 'APP_USER', contract_id: 'NL-RLG-CAPP-1' },
      auth_method: 'COMMAND',
      authorization_reference: ref,
      location_id: 'LOC1',
      evse_uid: '3256',
      connector_id: '1',
      currency: 'EUR',
      status: 'ACTIVE',
      last_updated: '2026-11-30T10:00:00Z',
    });
    for (const [sessionId, ref] of [
      ['CMD-S1', reference],
      ['AUTH-S2', authorization],
    ]) {
      const put = await ocpiCall('PUT', `${base}/ocpi/emsp/2.2.1/sessions/DE/ABC/${sessionId}`, tokenC, session(sessionId, ref));
      assert.equal(put.body.status_code, 1000, put.body.status_message);
    }
    const cdr = await ocpiCall('POST', `${base}/ocpi/emsp/2.2.1/cdrs`, tokenC, {
      country_code: 'DE',
      party_id: 'ABC',
      id: 'CMD-CDR-1',
      start_date_time: '2026-11-30T10:00:00Z',
      end_date_time: '2026-11-30T11:00:00Z',
      session_id: 'CMD-S1',
      cdr_token: session('CMD-S1', reference).cdr_token,
      auth_method: 'COMMAND',
      authorization_reference: reference,
      cdr_location: gentCdrLocation(),
      currency: 'EUR',
      charging_periods: [{ start_date_time: '2026-11-30T10:00:00Z', dimensions: [{ type: 'ENERGY', volume: 10 }] }],
      total_cost: { excl_vat: 2.5 },
      total_energy: 10,
      total_time: 1,
      last_updated: '2026-11-30T11:05:00Z',
    });
    assert.equal(cdr.body.status_code, 1000, cdr.body.status_message);

    const linked = await eventually('the links', async () => {
      const got = await admin('GET', `/admin/authorizations/${reference}`);
      return got.body.cdr_stream ? got.body : undefined;
    });
    assert.equal(linked.command_id, id);
    assert.equal(linked.origin, 'command:START_SESSION');
    assert.equal(linked.session_stream, 'session-DE-ABC-CMD-S1');
    assert.equal(linked.cdr_stream, 'cdr-DE-ABC-CMD-CDR-1');
    const byAuthorization = await eventually('the authorization link', async () => {
      const got = await admin('GET', `/admin/authorizations/${authorization}`);
      return got.body.session_stream ? got.body : undefined;
    });
    assert.equal(byAuthorization.allowed, 'ALLOWED');
    assert.equal(byAuthorization.session_stream, 'session-DE-ABC-AUTH-S2');
    assert.deepEqual((await admin('GET', '/admin/tokens/findings')).body, []);
  });

  test('a second command gets no result and times out; a result after that is kept and refused', async () => {
    commandPlans.push({ timeout: 1 });
    const sent = await app('POST', '/api/commands', {
      to: { country_code: 'DE', party_id: 'ABC' },
      command: 'START_SESSION',
      body: { token: { uid: 'APP-1', type: 'APP_USER' }, location_id: 'LOC1' },
    });
    assert.equal(sent.status, 202);
    const timedOut = await eventually('the timeout', async () => {
      const got = await app('GET', `/api/commands/${sent.body.id}`);
      return got.body.status === 'TIMEOUT' ? got.body : undefined;
    });
    assert.equal(timedOut.result, null);
    const late = await ocpiCall('POST', commandRequests[1].response_url, tokenC, { result: 'ACCEPTED' });
    assert.equal(late.body.status_code, 2000);
    const unknown = await ocpiCall('POST', `${base}/ocpi/emsp/2.2.1/commands/START_SESSION/never-sent-1`, tokenC, {
      result: 'ACCEPTED',
    });
    assert.equal(unknown.httpStatus, 404);
    const types = (await store.readStream(`command-${String(sent.body.id).toUpperCase()}`)).map((e) => e.type);
    assert.deepEqual(
      types.filter((t) => t !== 'OcpiRequestReceived'),
      ['CommandRequested', 'CommandResponseReceived', 'CommandTimedOut', 'CommandResultRefused'],
    );
    assert.equal((await app('GET', `/api/commands/${sent.body.id}`)).body.status, 'TIMEOUT');
    // The driver-app API has its own key.
    const wrongKey = await fetch(`${base}/api/commands/${sent.body.id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(wrongKey.status, 401);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CdrFinding, cdrStream } from '@roamledger/cdrs';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { hubModule } from '@roamledger/modules';
import { sessionStream } from '@roamledger/sessions';
import { gentCdrLocation } from '../support/ocpi-fixtures';
import { ocpiCall, PartnerServer } from '../support/partner-server';
import { startTestApp, type TestApp } from '../support/test-app';

// The hub as `npm start` runs it, on a real port: two CPOs register through the credentials
// handshake, one pushes a session from PENDING to COMPLETED and its CDR; the other cannot touch them.

const ADMIN_KEY = 'e2e-admin-key-0123456789';

interface Registered {
  partnerId: string;
  tokenC: string;
  server: PartnerServer;
}

describe('the hub end to end: a CPO registers, pushes a session and its CDR', () => {
  let hub: TestApp;
  let store: EventStore;
  let base: string;
  let cpo: Registered;
  let other: Registered;
  let sessionsUrl: string;
  let cdrsUrl: string;
  let cdrLocation: string;
  const sent: Array<{ requestId: string; method: string; body: unknown }> = [];

  // biome-ignore lint/suspicious/noExplicitAny: tests read the JSON they asked for
  const admin = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };

  /** Invite (admin API), then the partner registers with Token A as a real CPO would. */
  const register = async (countryCode: string, partyId: string): Promise<Registered> => {
    const server = await new PartnerServer({ countryCode, partyId, name: `CPO ${partyId}` }).start();
    const invitation = await admin('POST', '/admin/partners', {
      name: `CPO ${partyId}`,
      country_code: countryCode,
      party_id: partyId,
      roles: ['CPO'],
    });
    assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
    const versions = await ocpiCall<Array<{ version: string; url: string }>>(
      'GET',
      invitation.body.versions_url,
      invitation.body.token_a,
    );
    const details = await ocpiCall<{ endpoints: Array<{ identifier: string; url: string }> }>(
      'GET',
      versions.body.data?.find((entry) => entry.version === '2.2.1')?.url ?? '',
      invitation.body.token_a,
    );
    const credentialsUrl = details.body.data?.endpoints.find((e) => e.identifier === 'credentials')?.url ?? '';
    const registration = await ocpiCall<{ token: string }>('POST', credentialsUrl, invitation.body.token_a, server.credentials());
    assert.equal(registration.body.status_code, 1000, registration.body.status_message);
    return { partnerId: invitation.body.id, tokenC: registration.body.data?.token ?? '', server };
  };

  /** A push from the CPO, remembered so the log can be checked against it in order. */
  const push = async (who: Registered, method: string, url: string, body?: unknown) => {
    const requestId = `e2e-${sent.length + 1}`;
    const response = await ocpiCall(method, url, who.tokenC, body, {
      headers: {
        'x-request-id': requestId,
        'x-correlation-id': 'e2e-session-101',
        'ocpi-from-country-code': who.server.countryCode,
        'ocpi-from-party-id': who.server.partyId,
        'ocpi-to-country-code': 'NL',
        'ocpi-to-party-id': 'RLG',
      },
    });
    if (who === cpo && body !== undefined) sent.push({ requestId, method, body });
    return response;
  };

  const session = {
    country_code: 'BE',
    party_id: 'BEC',
    id: 'E2E-101',
    start_date_time: '2026-06-01T08:00:00Z',
    kwh: 0,
    cdr_token: { country_code: 'NL', party_id: 'RLG', uid: 'RFID-0001', type: 'RFID', contract_id: 'NL-RLG-C00000001-X' },
    auth_method: 'AUTH_REQUEST',
    authorization_reference: 'AUTH-REF-1',
    location_id: 'LOC1',
    evse_uid: '3256',
    connector_id: '1',
    currency: 'EUR',
    status: 'PENDING',
    last_updated: '2026-06-01T08:00:00Z',
  };
  const periods = [
    {
      start_date_time: '2026-06-01T08:01:00Z',
      dimensions: [
        { type: 'ENERGY', volume: 6.25 },
        { type: 'TIME', volume: 0.5 },
      ],
    },
    {
      start_date_time: '2026-06-01T08:31:00Z',
      dimensions: [
        { type: 'ENERGY', volume: 5 },
        { type: 'TIME', volume: 0.5 },
      ],
    },
  ];

  const cdr = {
    country_code: 'BE',
    party_id: 'BEC',
    id: 'E2E-CDR-101',
    start_date_time: '2026-06-01T08:01:00Z',
    end_date_time: '2026-06-01T09:01:00Z',
    session_id: 'E2E-101',
    cdr_token: session.cdr_token,
    auth_method: 'AUTH_REQUEST',
    authorization_reference: 'AUTH-REF-1',
    cdr_location: gentCdrLocation('AC_3_PHASE'),
    currency: 'EUR',
    charging_periods: periods,
    total_cost: { excl_vat: 2.7, incl_vat: 3.27 },
    total_energy_cost: { excl_vat: 2.7, incl_vat: 3.27 },
    total_energy: 11.25,
    total_time: 1,
    last_updated: '2026-06-01T09:05:00Z',
  };

  before(async () => {
    hub = await startTestApp(hubModule, { ADMIN_API_KEY: ADMIN_KEY }, { listen: true });
    store = hub.app.get(EVENT_STORE);
    base = hub.config.publicUrl;
    cpo = await register('BE', 'BEC');
    other = await register('DE', 'XYZ');
    const details = await ocpiCall<{ endpoints: Array<{ identifier: string; role: string; url: string }> }>(
      'GET',
      `${base}/ocpi/versions/2.2.1`,
      cpo.tokenC,
    );
    const endpoint = (identifier: string) =>
      details.body.data?.endpoints.find((e) => e.identifier === identifier && e.role === 'RECEIVER')?.url ?? '';
    sessionsUrl = endpoint('sessions');
    cdrsUrl = endpoint('cdrs');
  });
  after(async () => {
    await hub?.close();
    await cpo?.server.close();
    await other?.server.close();
  });

  test('the endpoints are discovered from our version details', () => {
    assert.equal(sessionsUrl, `${base}/ocpi/emsp/2.2.1/sessions`);
    assert.equal(cdrsUrl, `${base}/ocpi/emsp/2.2.1/cdrs`);
  });

  test('PENDING (PUT), ACTIVE and charging periods (PATCHes), COMPLETED (PATCH), then the CDR (POST)', async () => {
    const url = `${sessionsUrl}/BE/BEC/E2E-101`;
    const steps: Array<[string, unknown, number]> = [
      ['PUT', session, 201],
      ['PATCH', { status: 'ACTIVE', start_date_time: '2026-06-01T08:01:00Z', last_updated: '2026-06-01T08:01:00Z' }, 200],
      [
        'PATCH',
        {
          kwh: 6.25,
          charging_periods: [periods[0]],
          total_cost: { excl_vat: 1.5, incl_vat: 1.82 },
          last_updated: '2026-06-01T08:31:00Z',
        },
        200,
      ],
      [
        'PATCH',
        {
          kwh: 11.25,
          charging_periods: [periods[1]],
          total_cost: { excl_vat: 2.7, incl_vat: 3.27 },
          last_updated: '2026-06-01T09:01:00Z',
        },
        200,
      ],
      ['PATCH', { status: 'COMPLETED', end_date_time: '2026-06-01T09:01:00Z', last_updated: '2026-06-01T09:01:30Z' }, 200],
    ];
    for (const [method, body, status] of steps) {
      const response = await push(cpo, method, url, body);
      assert.equal(response.httpStatus, status, `${method} ${JSON.stringify(body)}: ${response.body.status_message}`);
      assert.equal(response.body.status_code, 1000);
    }

    const posted = await push(cpo, 'POST', cdrsUrl, cdr);
    assert.equal(posted.httpStatus, 201);
    assert.equal(posted.body.status_code, 1000);
    cdrLocation = posted.headers.get('location') ?? '';
    assert.equal(cdrLocation, `${base}/ocpi/emsp/2.2.1/cdrs/BE/BEC/E2E-CDR-101`);
  });

  test('the log holds every request, in order, each followed by the events it caused', async () => {
    const sessionEvents = await store.readStream(sessionStream({ countryCode: 'BE', partyId: 'BEC' }, 'E2E-101'));
    assert.deepEqual(
      sessionEvents.map((e) => e.type),
      [
        'OcpiRequestReceived',
        'SessionStarted',
        'OcpiRequestReceived',
        'SessionUpdated',
        'SessionStatusChanged',
        'OcpiRequestReceived',
        'SessionUpdated',
        'ChargingPeriodsAdded',
        'OcpiRequestReceived',
        'SessionUpdated',
        'ChargingPeriodsAdded',
        'OcpiRequestReceived',
        'SessionUpdated',
        'SessionStatusChanged',
        'SessionEnded',
      ],
    );
    const requests = sessionEvents.filter((e) => e.type === 'OcpiRequestReceived');
    const cdrEvents = await store.readStream(cdrStream({ countryCode: 'BE', partyId: 'BEC' }, 'E2E-CDR-101'));
    assert.deepEqual(
      cdrEvents.map((e) => e.type),
      ['OcpiRequestReceived', 'CdrReceived', 'CdrLinkedToSession'],
    );
    const allRequests = [...requests, cdrEvents[0]];
    // The bodies as sent, with their request ids, in the order sent, and in global order too.
    assert.deepEqual(
      allRequests.map((e) => [
        e.metadata.requestId,
        (e.data as { method: string }).method,
        JSON.parse((e.data as { body: string }).body),
      ]),
      sent.map((s) => [s.requestId, s.method, s.body]),
    );
    for (let i = 1; i < allRequests.length; i++) assert.ok(allRequests[i].position > allRequests[i - 1].position);
    for (const event of [...sessionEvents, ...cdrEvents]) {
      assert.equal(event.metadata.partnerId, cpo.partnerId);
      assert.equal(event.metadata.partner, 'BE*BEC');
      assert.equal(event.metadata.correlationId, 'e2e-session-101');
    }
    // The CDR agrees with its session and its token is ours: no findings.
    assert.deepEqual((cdrEvents[1].data as { findings: CdrFinding[] }).findings, []);
    const ended = sessionEvents.at(-1)?.data as { kwh: number; total_cost: unknown; status: string };
    assert.deepEqual([ended.status, ended.kwh, ended.total_cost], ['COMPLETED', 11.25, { excl_vat: 2.7, incl_vat: 3.27 }]);
  });

  test('GETs return the latest state', async () => {
    const got = await ocpiCall<Record<string, unknown>>('GET', `${sessionsUrl}/BE/BEC/E2E-101`, cpo.tokenC);
    assert.equal(got.httpStatus, 200);
    assert.deepEqual(got.body.data, {
      ...session,
      status: 'COMPLETED',
      start_date_time: '2026-06-01T08:01:00Z',
      end_date_time: '2026-06-01T09:01:00Z',
      kwh: 11.25,
      charging_periods: periods,
      total_cost: { excl_vat: 2.7, incl_vat: 3.27 },
      last_updated: '2026-06-01T09:01:30Z',
    });
    const cdr = await ocpiCall<{ id: string; total_energy: number }>('GET', cdrLocation, cpo.tokenC);
    assert.equal(cdr.httpStatus, 200);
    assert.equal(cdr.body.data?.id, 'E2E-CDR-101');
    assert.equal(cdr.body.data?.total_energy, 11.25);
  });

  test('a second partner can neither read nor change the first one’s session and CDR', async () => {
    const head = await store.headPosition();
    const attempts = [
      await push(other, 'GET', `${sessionsUrl}/BE/BEC/E2E-101`),
      await push(other, 'PATCH', `${sessionsUrl}/BE/BEC/E2E-101`, { status: 'INVALID', last_updated: '2030-01-01T00:00:00Z' }),
      await push(other, 'PUT', `${sessionsUrl}/BE/BEC/E2E-101`, { ...session, last_updated: '2030-01-01T00:00:00Z' }),
      await push(other, 'GET', cdrLocation),
      await push(other, 'POST', cdrsUrl, { ...cdr, id: 'E2E-CDR-FORGED' }),
    ];
    for (const response of attempts) {
      assert.equal(response.httpStatus, 404);
      assert.equal(response.body.status_code, 2000);
    }
    // Nor by claiming the first partner's party in the routing headers.
    const spoofed = await ocpiCall('GET', `${sessionsUrl}/BE/BEC/E2E-101`, other.tokenC, undefined, {
      headers: { 'ocpi-from-country-code': 'BE', 'ocpi-from-party-id': 'BEC' },
    });
    assert.equal(spoofed.body.status_code, 2001);

    // Nothing reached the first partner's streams; only rejections in the second partner's. (The
    // hub's own writers, the sealer's timer say, may append meanwhile: those are not requests.)
    const appended = await store.readAll({ fromPosition: head + 1 });
    const party = { countryCode: 'BE', partyId: 'BEC' };
    const firstPartners = [sessionStream(party, 'E2E-101'), cdrStream(party, 'E2E-CDR-101'), cdrStream(party, 'E2E-CDR-FORGED')];
    assert.deepEqual(
      appended.filter((e) => firstPartners.includes(e.stream)),
      [],
    );
    const requests = appended.filter((e) => e.type.startsWith('OcpiRequest'));
    assert.ok(requests.length > 0, 'the rejections are logged');
    assert.ok(requests.every((e) => e.stream === `partner-${other.partnerId}` && e.type === 'OcpiRequestRejected'));
    const view = await ocpiCall<{ status: string }>('GET', `${sessionsUrl}/BE/BEC/E2E-101`, cpo.tokenC);
    assert.equal(view.body.data?.status, 'COMPLETED');
  });

  test('an on-demand pull through the admin API calls the CPO’s Sender interface with the token it gave us', async () => {
    const unauthorised = await fetch(`${base}/admin/pull/${cpo.partnerId}`, { method: 'POST' });
    assert.equal(unauthorised.status, 401);
    const response = await admin('POST', `/admin/pull/${cpo.partnerId}`, {
      modules: ['cdrs'],
      date_from: '2026-06-01T00:00:00Z',
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(
      response.body.reports.map((r: { module: string; status: string }) => [r.module, r.status]),
      [['cdrs', 'completed']],
    );
    const calls = cpo.server.requestsTo('/ocpi/cpo/2.2.1/cdrs');
    assert.equal(calls.length, 1);
    assert.equal(calls[0].token, cpo.server.tokenB);
    assert.equal(new URL(calls[0].path, base).searchParams.get('date_from'), '2026-06-01T00:00:00Z');
    const status = await admin('GET', `/admin/pull/${cpo.partnerId}`);
    const cdrs = status.body.modules.find((m: { module: string }) => m.module === 'cdrs');
    assert.equal(cdrs.last.type, 'PullCompleted');
    assert.equal((await admin('POST', '/admin/pull/nobody', {})).status, 404);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hubModule } from '@roamledger/modules';
import { gentCdrLocation } from '../support/ocpi-fixtures';
import { ocpiCall, PartnerServer } from '../support/partner-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { VersionedCpoServer } from '../support/versioned-cpo-server';

// The hub on a real port with CPOs on their own ports: one speaks only OCPI 2.1.1 and registers,
// pushes a session and its CDR in 2.1.1's shapes; another sends the same charging in 2.2.1. Both
// end in the same /finance statement. Then the version negotiation both ways, and a move up.

const ADMIN_KEY = 'versions-e2e-admin-key-0123456789';
const FINANCE_KEY = 'versions-e2e-finance-key-0123456789';
const APP_KEY = 'versions-e2e-app-key-0123456789';
const CATALOG_KEY = 'versions-e2e-catalog-key-0123456789';
// biome-ignore lint/suspicious/noExplicitAny: tests read the JSON they asked for
type Json = any;

const PERIODS = [
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

/** The place of the charging as 2.1.1 carries it: the Location inline, with the one EVSE and connector used. */
const LOCATION_211 = {
  id: 'LOC1',
  type: 'ON_STREET',
  address: 'F.Rooseveltlaan 3A',
  city: 'Gent',
  postal_code: '9000',
  country: 'BEL',
  coordinates: { latitude: '51.047599', longitude: '3.729944' },
  evses: [
    {
      uid: '3256',
      evse_id: 'BE*BEC*E041503003',
      status: 'CHARGING',
      connectors: [
        {
          id: '1',
          standard: 'IEC_62196_T2',
          format: 'SOCKET',
          power_type: 'AC_3_PHASE',
          voltage: 230,
          amperage: 64,
          last_updated: '2026-06-01T08:00:00Z',
        },
      ],
      last_updated: '2026-06-01T08:00:00Z',
    },
  ],
  last_updated: '2026-06-01T08:00:00Z',
};

const CONTRACT = 'NL-RLG-C00000001-X';

/** The CDR of that charging as 2.1.1 has it: no party, `stop_date_time`, costs as numbers. */
const cdr211 = () => ({
  id: 'V211-CDR-1',
  start_date_time: '2026-06-01T08:01:00Z',
  stop_date_time: '2026-06-01T09:01:00Z',
  auth_id: CONTRACT,
  auth_method: 'AUTH_REQUEST',
  location: LOCATION_211,
  currency: 'EUR',
  charging_periods: PERIODS,
  total_cost: 2.7,
  total_energy: 11.25,
  total_time: 1,
  last_updated: '2026-06-01T09:05:00Z',
});

describe('OCPI versions end to end: a 2.1.1 CPO and a 2.2.1 CPO charge the same and end in the same statement', () => {
  let hub: TestApp;
  let base: string;
  let old: VersionedCpoServer;
  let current: PartnerServer;
  let oldId: string;
  let currentToken: string;

  const call = async (method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const admin = (method: string, path: string, body?: unknown) => call(method, path, ADMIN_KEY, body);
  const invite = async (countryCode: string, partyId: string) => {
    const invitation = await admin('POST', '/admin/partners', {
      name: `CPO ${partyId}`,
      country_code: countryCode,
      party_id: partyId,
      roles: ['CPO'],
    });
    assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
    return invitation.body as { id: string; token_a: string; versions_url: string };
  };

  before(async () => {
    hub = await startTestApp(
      hubModule,
      { ADMIN_API_KEY: ADMIN_KEY, FINANCE_API_KEY: FINANCE_KEY, APP_API_KEY: APP_KEY, CATALOG_API_KEY: CATALOG_KEY },
      { listen: true },
    );
    base = hub.config.publicUrl;
    old = await new VersionedCpoServer({ versions: ['2.1.1'], countryCode: 'BE', partyId: 'OLD' }).start();
    current = await new PartnerServer({ countryCode: 'BE', partyId: 'NEW', name: 'CPO NEW' }).start();
  });
  after(async () => {
    await hub?.close();
    await old?.close();
    await current?.close();
  });

  test('GET /ocpi/versions lists 2.1.1, 2.2.1 and 2.3.0, each with its own details (2.1.1 without roles)', async () => {
    const { token_a } = await invite('FR', 'LST');
    const versions = await ocpiCall<Json>('GET', `${base}/ocpi/versions`, token_a);
    assert.deepEqual(
      versions.body.data,
      ['2.1.1', '2.2.1', '2.3.0'].map((version) => ({ version, url: `${base}/ocpi/versions/${version}` })),
    );
    const details = async (version: string) =>
      (await ocpiCall<Json>('GET', `${base}/ocpi/versions/${version}`, token_a)).body.data;
    const v211 = await details('2.1.1');
    assert.equal(v211.version, '2.1.1');
    assert.deepEqual(v211.endpoints, [
      { identifier: 'credentials', url: `${base}/ocpi/2.1.1/credentials` },
      { identifier: 'sessions', url: `${base}/ocpi/emsp/2.1.1/sessions` },
      { identifier: 'cdrs', url: `${base}/ocpi/emsp/2.1.1/cdrs` },
      { identifier: 'locations', url: `${base}/ocpi/emsp/2.1.1/locations` },
      { identifier: 'tariffs', url: `${base}/ocpi/emsp/2.1.1/tariffs` },
      { identifier: 'tokens', url: `${base}/ocpi/emsp/2.1.1/tokens` },
      { identifier: 'commands', url: `${base}/ocpi/emsp/2.1.1/commands` },
    ]);
    const v230 = await details('2.3.0');
    assert.deepEqual(
      v230.endpoints.map((endpoint: Json) => `${endpoint.identifier} ${endpoint.role} ${endpoint.url}`).sort(),
      [
        `credentials SENDER ${base}/ocpi/2.3.0/credentials`,
        `credentials RECEIVER ${base}/ocpi/2.3.0/credentials`,
        `sessions RECEIVER ${base}/ocpi/emsp/2.3.0/sessions`,
        `cdrs RECEIVER ${base}/ocpi/emsp/2.3.0/cdrs`,
        `locations RECEIVER ${base}/ocpi/emsp/2.3.0/locations`,
        `tariffs RECEIVER ${base}/ocpi/emsp/2.3.0/tariffs`,
        `tokens SENDER ${base}/ocpi/emsp/2.3.0/tokens`,
        `commands SENDER ${base}/ocpi/emsp/2.3.0/commands`,
        `hubclientinfo RECEIVER ${base}/ocpi/emsp/2.3.0/clientinfo`,
      ].sort(),
    );
    const v221 = await details('2.2.1');
    assert.ok(v221.endpoints.some((endpoint: Json) => endpoint.identifier === 'hubclientinfo'));
    assert.equal((await ocpiCall('GET', `${base}/ocpi/versions/2.0`, token_a)).httpStatus, 404);
  });

  test('a 2.1.1 CPO registers in 2.1.1: credentials without roles both ways, plain tokens, its version stored', async () => {
    const invitation = await invite('BE', 'OLD');
    oldId = invitation.id;
    const answer = await old.registerWith(invitation.versions_url, invitation.token_a, '2.1.1');
    assert.equal(answer.body.status_code, 1000, answer.body.status_message);
    const ours = answer.body.data;
    assert.deepEqual(Object.keys(ours).sort(), ['business_details', 'country_code', 'party_id', 'token', 'url']);
    assert.equal(`${ours.country_code}*${ours.party_id}`, 'NL*RLG');
    // We fetched its versions and 2.1.1 details with its token as sent (2.1.1 has no Base64 rule).
    const fetched = old.requestsTo('/ocpi/2.1.1');
    assert.equal(fetched.length, 1);
    assert.equal(fetched[0].authorization, `Token ${old.tokenB}`);

    const partner = await admin('GET', `/admin/partners/${oldId}`);
    assert.equal(partner.body.version, '2.1.1');
    assert.deepEqual(
      partner.body.roles.map((role: Json) => `${role.role} ${role.country_code}*${role.party_id}`),
      ['CPO BE*OLD'],
    );
    const endpoint = (identifier: string, role: string) =>
      partner.body.endpoints.find((e: Json) => e.identifier === identifier && e.role === role)?.url;
    // 2.1.1 endpoints have no role: a CPO's CDRs send, its tokens receive.
    assert.equal(endpoint('cdrs', 'SENDER'), `${old.url}/ocpi/cpo/2.1.1/cdrs`);
    assert.equal(endpoint('tokens', 'RECEIVER'), `${old.url}/ocpi/cpo/2.1.1/tokens`);
  });

  test('the 2.1.1 CPO pushes a session (PUT, PATCHes) and its CDR in 2.1.1 shapes, with no routing headers', async () => {
    const token = old.ourToken ?? '';
    const send = (method: string, path: string, body?: unknown) =>
      ocpiCall<Json>(method, `${base}/ocpi/emsp/2.1.1/${path}`, token, body, { plain: true });
    const session = {
      id: 'V211-1',
      start_datetime: '2026-06-01T08:00:00Z',
      kwh: 0,
      auth_id: CONTRACT,
      auth_method: 'AUTH_REQUEST',
      location: LOCATION_211,
      currency: 'EUR',
      status: 'PENDING',
      last_updated: '2026-06-01T08:00:00Z',
    };
    const steps: Array<[string, unknown, number]> = [
      ['PUT', session, 201],
      ['PATCH', { status: 'ACTIVE', start_datetime: '2026-06-01T08:01:00Z', last_updated: '2026-06-01T08:01:00Z' }, 200],
      // 2.1.1's own PATCH example: no last_updated; the time we received it stands for it.
      ['PATCH', { kwh: 11.25, charging_periods: PERIODS, total_cost: 2.7 }, 200],
      ['PATCH', { status: 'COMPLETED', end_datetime: '2026-06-01T09:01:00Z' }, 200],
    ];
    for (const [method, body, status] of steps) {
      const response = await send(method, 'sessions/BE/OLD/V211-1', body);
      assert.equal(response.httpStatus, status, `${method} ${JSON.stringify(body)}: ${response.body.status_message}`);
      assert.equal(response.body.status_code, 1000);
    }
    const read = await send('GET', 'sessions/BE/OLD/V211-1');
    assert.equal(read.body.data.auth_id, CONTRACT);
    assert.equal(read.body.data.status, 'COMPLETED');
    assert.equal(read.body.data.total_cost, 2.7);
    assert.equal(read.body.data.location.evses[0].uid, '3256');

    const cdr = cdr211();
    const posted = await send('POST', 'cdrs', cdr);
    assert.equal(posted.httpStatus, 201, posted.body.status_message);
    const location = posted.headers.get('location') ?? '';
    assert.equal(location, `${base}/ocpi/emsp/2.1.1/cdrs/BE/OLD/V211-CDR-1`);
    const stored = await ocpiCall<Json>('GET', location, token, undefined, { plain: true });
    assert.equal(stored.body.data.stop_date_time, '2026-06-01T09:01:00Z');
    assert.equal(stored.body.data.total_cost, 2.7);

    // A 2.1.1 CDR that lacks its location is refused with 2001, as the 2.2.1 receiver would.
    const { location: _, ...withoutLocation } = cdr;
    const refused = await send('POST', 'cdrs', { ...withoutLocation, id: 'V211-CDR-2' });
    assert.equal(refused.body.status_code, 2001);
    assert.match(refused.body.status_message ?? '', /location/);
  });

  test('a 2.2.1 CPO sends the same charging in 2.2.1 shapes', async () => {
    const invitation = await invite('BE', 'NEW');
    const versions = await ocpiCall<Json>('GET', invitation.versions_url, invitation.token_a);
    const url = versions.body.data.find((entry: Json) => entry.version === '2.2.1').url;
    assert.equal(url, `${base}/ocpi/versions/2.2.1`);
    const registered = await ocpiCall<Json>('POST', `${base}/ocpi/2.2.1/credentials`, invitation.token_a, current.credentials());
    assert.equal(registered.body.status_code, 1000, registered.body.status_message);
    currentToken = registered.body.data.token;
    assert.equal((await admin('GET', `/admin/partners/${invitation.id}`)).body.version, '2.2.1');
    const cdrToken = { country_code: 'NL', party_id: 'RLG', uid: CONTRACT, type: 'OTHER', contract_id: CONTRACT };
    const headers = {
      'ocpi-from-country-code': 'BE',
      'ocpi-from-party-id': 'NEW',
      'ocpi-to-country-code': 'NL',
      'ocpi-to-party-id': 'RLG',
    };
    const send = (method: string, path: string, body: unknown) =>
      ocpiCall<Json>(method, `${base}/ocpi/emsp/2.2.1/${path}`, currentToken, body, { headers });
    const session = {
      country_code: 'BE',
      party_id: 'NEW',
      id: 'V221-1',
      start_date_time: '2026-06-01T08:01:00Z',
      end_date_time: '2026-06-01T09:01:00Z',
      kwh: 11.25,
      cdr_token: cdrToken,
      auth_method: 'AUTH_REQUEST',
      location_id: 'LOC1',
      evse_uid: '3256',
      connector_id: '1',
      currency: 'EUR',
      charging_periods: PERIODS,
      total_cost: { excl_vat: 2.7 },
      status: 'COMPLETED',
      last_updated: '2026-06-01T09:01:30Z',
    };
    assert.equal((await send('PUT', 'sessions/BE/NEW/V221-1', session)).body.status_code, 1000);
    const cdr = {
      country_code: 'BE',
      party_id: 'NEW',
      id: 'V221-CDR-1',
      start_date_time: '2026-06-01T08:01:00Z',
      end_date_time: '2026-06-01T09:01:00Z',
      cdr_token: cdrToken,
      auth_method: 'AUTH_REQUEST',
      cdr_location: gentCdrLocation('AC_3_PHASE'),
      currency: 'EUR',
      charging_periods: PERIODS,
      total_cost: { excl_vat: 2.7 },
      total_energy: 11.25,
      total_time: 1,
      last_updated: '2026-06-01T09:05:00Z',
    };
    const posted = await send('POST', 'cdrs', cdr);
    assert.equal(posted.httpStatus, 201, posted.body.status_message);
  });

  test('/finance: the 2.1.1 and the 2.2.1 CPO have the same statement, and the same session', async () => {
    const deadline = Date.now() + 60_000;
    let statements = await call('GET', '/finance/statements?month=2026-06', FINANCE_KEY);
    while (statements.body.items?.length !== 2) {
      assert.ok(Date.now() < deadline, `the statements never listed both CPOs: ${JSON.stringify(statements.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      statements = await call('GET', '/finance/statements?month=2026-06', FINANCE_KEY);
    }
    const byPartner = new Map<string, Json>(
      statements.body.items.map(({ partner, country_code, party_id, position, ...rest }: Json) => [partner, rest]),
    );
    assert.deepEqual(byPartner.get('BE*OLD'), byPartner.get('BE*NEW'));
    assert.equal(byPartner.get('BE*OLD').cdr_count, 1);
    assert.equal(byPartner.get('BE*OLD').amount_excl_vat, '2.70');

    const view = async (party: string, id: string) => {
      const { session } = (await call('GET', `/finance/sessions/BE/${party}/${id}`, FINANCE_KEY)).body;
      // Where and when it was recorded differs; what was charged must not.
      const { partner, party_id, session_id, last_updated, stream, position, started_position, recorded_at, ...charged } =
        session;
      assert.equal(partner, `BE*${party}`);
      return charged;
    };
    assert.deepEqual(await view('OLD', 'V211-1'), await view('NEW', 'V221-1'));
  });

  test('a 2.3.0 CPO registers in 2.3.0 and sends the same charging with North American taxes', async () => {
    const newest = await new VersionedCpoServer({ versions: ['2.2.1', '2.3.0'], countryCode: 'CA', partyId: 'NAM' }).start();
    try {
      const invitation = await invite('CA', 'NAM');
      const answer = await newest.registerWith(invitation.versions_url, invitation.token_a, '2.3.0');
      assert.equal(answer.body.status_code, 1000, answer.body.status_message);
      assert.equal((await admin('GET', `/admin/partners/${invitation.id}`)).body.version, '2.3.0');
      // Its 2.3.0 details were read, with Base64 tokens as 2.2+ wants.
      assert.equal(newest.requestsTo('/ocpi/2.3.0').length, 1);
      assert.equal(newest.requestsTo('/ocpi/2.3.0')[0].authorization, `Token ${Buffer.from(newest.tokenB).toString('base64')}`);

      const taxes = {
        before_taxes: 2.7,
        taxes: [
          { name: 'GST', percentage: 5, amount: 0.135 },
          { name: 'QST', amount: 0.27 },
        ],
      };
      const send = (method: string, path: string, body?: unknown) =>
        ocpiCall<Json>(method, `${base}/ocpi/emsp/2.3.0/${path}`, newest.ourToken, body);
      const cdrToken = { country_code: 'NL', party_id: 'RLG', uid: CONTRACT, type: 'OTHER', contract_id: CONTRACT };
      const session = {
        country_code: 'CA',
        party_id: 'NAM',
        id: 'V230-1',
        start_date_time: '2026-06-01T08:01:00Z',
        end_date_time: '2026-06-01T09:01:00Z',
        kwh: 11.25,
        cdr_token: cdrToken,
        auth_method: 'AUTH_REQUEST',
        location_id: 'LOC1',
        evse_uid: '3256',
        connector_id: '1',
        currency: 'EUR',
        charging_periods: PERIODS,
        total_cost: taxes,
        status: 'COMPLETED',
        last_updated: '2026-06-01T09:01:30Z',
      };
      const put = await send('PUT', 'sessions/CA/NAM/V230-1', session);
      assert.equal(put.body.status_code, 1000, put.body.status_message);
      const cdr = {
        country_code: 'CA',
        party_id: 'NAM',
        id: 'V230-CDR-1',
        start_date_time: '2026-06-01T08:01:00Z',
        end_date_time: '2026-06-01T09:01:00Z',
        cdr_token: cdrToken,
        auth_method: 'AUTH_REQUEST',
        cdr_location: gentCdrLocation('AC_3_PHASE'),
        currency: 'EUR',
        charging_periods: PERIODS,
        total_cost: taxes,
        total_energy: 11.25,
        total_time: 1,
        last_updated: '2026-06-01T09:05:00Z',
      };
      const posted = await send('POST', 'cdrs', cdr);
      assert.equal(posted.httpStatus, 201, posted.body.status_message);
      assert.equal(posted.headers.get('location'), `${base}/ocpi/emsp/2.3.0/cdrs/CA/NAM/V230-CDR-1`);
      const stored = await send('GET', 'cdrs/CA/NAM/V230-CDR-1');
      assert.equal(stored.body.data.total_cost.before_taxes, 2.7);
      // A price without before_taxes is refused on that field, with nothing recorded.
      const refused = await send('POST', 'cdrs', { ...cdr, id: 'V230-CDR-2', total_cost: { taxes: taxes.taxes } });
      assert.equal(refused.body.status_code, 2001);
      assert.match(refused.body.status_message ?? '', /total_cost\.before_taxes/);

      const deadline = Date.now() + 60_000;
      let statements = await call('GET', '/finance/statements?month=2026-06', FINANCE_KEY);
      while (!statements.body.items?.some((item: Json) => item.partner === 'CA*NAM')) {
        assert.ok(Date.now() < deadline, `the statements never listed CA*NAM: ${JSON.stringify(statements.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        statements = await call('GET', '/finance/statements?month=2026-06', FINANCE_KEY);
      }
      const statement = (partner: string) => {
        const { country_code, party_id, position, amount_incl_vat, incl_vat_missing, ...rest } = statements.body.items.find(
          (item: Json) => item.partner === partner,
        );
        return { ...rest, partner: undefined };
      };
      // The same charging as the 2.2.1 CPO's; the taxes added up (in decimals) to what it cost with them.
      assert.deepEqual(statement('CA*NAM'), statement('BE*NEW'));
      const nam = statements.body.items.find((item: Json) => item.partner === 'CA*NAM');
      assert.equal(nam.amount_incl_vat, '3.11');
      assert.equal(nam.incl_vat_missing, 0);

      // Tokens and commands in 2.3.0: the CPO pulls our tokens and asks to authorize one; a driver's
      // command reaches its 2.3.0 Commands receiver.
      const issued = await admin('POST', '/admin/tokens', {
        country_code: 'NL',
        party_id: 'RLG',
        uid: 'RFID-230',
        type: 'RFID',
        contract_id: 'NL-RLG-C00000230-X',
        issuer: 'Roamledger',
        valid: true,
        whitelist: 'ALLOWED',
      });
      assert.ok(issued.status < 300, JSON.stringify(issued.body));
      // The register behind GET is a read model: it lists the token once it has caught up.
      const registered = Date.now() + 60_000;
      let listed = await send('GET', 'tokens');
      while (!listed.body.data?.some((token: Json) => token.uid === 'RFID-230')) {
        assert.ok(Date.now() < registered, `the token was never listed: ${JSON.stringify(listed.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        listed = await send('GET', 'tokens');
      }
      const authorized = await send('POST', 'tokens/RFID-230/authorize?type=RFID');
      assert.equal(authorized.body.status_code, 1000, authorized.body.status_message);
      assert.equal(authorized.body.data.allowed, 'ALLOWED');

      const command = await call('POST', '/api/commands', APP_KEY, {
        to: { country_code: 'CA', party_id: 'NAM' },
        command: 'START_SESSION',
        body: { token: { uid: 'RFID-230', type: 'RFID' }, location_id: 'LOC1', evse_uid: '3256' },
      });
      assert.equal(command.status, 202, JSON.stringify(command.body));
      const answered = Date.now() + 60_000;
      let state = await call('GET', `/api/commands/${command.body.id}`, APP_KEY);
      while (!state.body.response) {
        assert.ok(Date.now() < answered, `the command was never answered: ${JSON.stringify(state.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        state = await call('GET', `/api/commands/${command.body.id}`, APP_KEY);
      }
      assert.deepEqual(state.body.response, { result: 'ACCEPTED', timeout: 30 });
      const [received] = newest.requestsTo('/ocpi/cpo/2.3.0/commands/START_SESSION');
      assert.equal((received.body as Json).location_id, 'LOC1');
      // The token was pushed to its 2.3.0 Tokens receiver as 2.2.1 has it (2.3.0's Token is the same).
      const pushed = Date.now() + 60_000;
      while (newest.requestsTo('/ocpi/cpo/2.3.0/tokens/NL/RLG/RFID-230').length === 0) {
        assert.ok(Date.now() < pushed, 'the token never reached the 2.3.0 CPO');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const [tokenPut] = newest.requestsTo('/ocpi/cpo/2.3.0/tokens/NL/RLG/RFID-230');
      assert.equal((tokenPut.body as Json).contract_id, 'NL-RLG-C00000230-X');
      assert.equal(tokenPut.headers['ocpi-from-party-id'], 'RLG');
    } finally {
      await newest.close();
    }
  });

  test('a 2.3.0 CPO pushes a location with Parking and a North American tariff; same catalog and /finance as a 2.2.1 CPO; pulled in 2.3.0', async () => {
    const parking = await new VersionedCpoServer({ versions: ['2.3.0'], countryCode: 'CA', partyId: 'PRK' }).start();
    const twin = await new PartnerServer({ countryCode: 'CA', partyId: 'TWO', name: 'CPO TWO' }).start();
    try {
      const invited230 = await invite('CA', 'PRK');
      const answer = await parking.registerWith(invited230.versions_url, invited230.token_a, '2.3.0');
      assert.equal(answer.body.status_code, 1000, answer.body.status_message);
      const invited221 = await invite('CA', 'TWO');
      const registered = await ocpiCall<Json>('POST', `${base}/ocpi/2.2.1/credentials`, invited221.token_a, twin.credentials());
      assert.equal(registered.body.status_code, 1000, registered.body.status_message);
      const send230 = (method: string, path: string, body?: unknown) =>
        ocpiCall<Json>(method, `${base}/ocpi/emsp/2.3.0/${path}`, parking.ourToken, body);
      const send221 = (method: string, path: string, body?: unknown) =>
        ocpiCall<Json>(method, `${base}/ocpi/emsp/2.2.1/${path}`, registered.body.data.token, body);

      // The same charger and tariff, each in its version's shape.
      const at = '2026-07-01T07:00:00Z';
      const placeOf = (partyId: string) => ({
        country_code: 'CA',
        party_id: partyId,
        id: 'YUL-1',
        publish: true,
        address: '1 Rue Sainte-Catherine',
        city: 'Montreal',
        country: 'CAN',
        coordinates: { latitude: '45.508888', longitude: '-73.561668' },
        time_zone: 'America/Toronto',
        evses: [
          {
            uid: 'E1',
            status: 'AVAILABLE',
            connectors: [
              {
                id: '1',
                standard: 'IEC_62196_T1',
                format: 'CABLE',
                power_type: 'AC_1_PHASE',
                max_voltage: 240,
                max_amperage: 32,
                tariff_ids: ['NA-TIME'],
                last_updated: at,
              },
            ],
            last_updated: at,
          },
        ],
        last_updated: at,
      });
      const parkingPlaces = [
        { id: 'P1', vehicle_types: ['PERSONAL_VEHICLE', 'DISABLED'], restricted_to_type: true, reservation_required: false },
      ];
      const place230 = placeOf('PRK');
      place230.evses[0] = { ...place230.evses[0], parking: [{ parking_id: 'P1', evse_position: 'RIGHT' }] } as never;
      assert.equal(
        (await send230('PUT', 'locations/CA/PRK/YUL-1', { ...place230, parking_places: parkingPlaces })).httpStatus,
        201,
      );
      assert.equal((await send221('PUT', 'locations/CA/TWO/YUL-1', placeOf('TWO'))).httpStatus, 201);
      const tariffOf = (partyId: string) => ({
        country_code: 'CA',
        party_id: partyId,
        id: 'NA-TIME',
        currency: 'CAD',
        elements: [{ price_components: [{ type: 'TIME', price: 2, step_size: 60 }] }],
        last_updated: at,
      });
      const tariff230 = { ...tariffOf('PRK'), tax_included: 'NO', min_price: { before_taxes: 0.5, after_taxes: 0.56 } };
      const putTariff = await send230('PUT', 'tariffs/CA/PRK/NA-TIME', tariff230);
      assert.equal(putTariff.httpStatus, 201, putTariff.body.status_message);
      // 2.2.1 names the tax as a VAT rate; 2.3.0 says it is added on top (tax_included NO).
      const tariff221 = {
        ...tariffOf('TWO'),
        elements: [{ price_components: [{ type: 'TIME', price: 2, step_size: 60, vat: 15 }] }],
        min_price: { excl_vat: 0.5, incl_vat: 0.56 },
      };
      assert.equal((await send221('PUT', 'tariffs/CA/TWO/NA-TIME', tariff221)).httpStatus, 201);
      const tariffRead = (await send230('GET', 'tariffs/CA/PRK/NA-TIME')).body.data;
      assert.deepEqual(tariffRead.min_price, tariff230.min_price);
      assert.equal(tariffRead.tax_included, 'NO');

      // One hour of charging, billed before taxes plus GST and QST (2.3.0) or as excl/incl_vat (2.2.1).
      const cdrOf = (partyId: string, id: string) => ({
        country_code: 'CA',
        party_id: partyId,
        id,
        start_date_time: '2026-07-01T08:00:00Z',
        end_date_time: '2026-07-01T09:00:00Z',
        cdr_token: { country_code: 'NL', party_id: 'RLG', uid: CONTRACT, type: 'OTHER', contract_id: CONTRACT },
        auth_method: 'AUTH_REQUEST',
        cdr_location: {
          id: 'YUL-1',
          address: '1 Rue Sainte-Catherine',
          city: 'Montreal',
          country: 'CAN',
          coordinates: { latitude: '45.508888', longitude: '-73.561668' },
          evse_uid: 'E1',
          evse_id: 'CA*PRK*E1',
          connector_id: '1',
          connector_standard: 'IEC_62196_T1',
          connector_format: 'CABLE',
          connector_power_type: 'AC_1_PHASE',
        },
        currency: 'CAD',
        charging_periods: [
          { start_date_time: '2026-07-01T08:00:00Z', dimensions: [{ type: 'TIME', volume: 1 }], tariff_id: 'NA-TIME' },
        ],
        total_energy: 7,
        total_time: 1,
        last_updated: '2026-07-01T09:05:00Z',
      });
      const taxes = [
        { name: 'GST', percentage: 5, amount: 0.1 },
        { name: 'QST', percentage: 9.975, amount: 0.2 },
      ];
      const posted230 = await send230('POST', 'cdrs', { ...cdrOf('PRK', 'NA-CDR-1'), total_cost: { before_taxes: 2, taxes } });
      assert.equal(posted230.httpStatus, 201, posted230.body.status_message);
      const posted221 = await send221('POST', 'cdrs', {
        ...cdrOf('TWO', 'NA-CDR-1'),
        total_cost: { excl_vat: 2, incl_vat: 2.3 },
      });
      assert.equal(posted221.httpStatus, 201, posted221.body.status_message);
      // The tax names come back on the 2.3.0 GET.
      assert.deepEqual((await send230('GET', 'cdrs/CA/PRK/NA-CDR-1')).body.data.total_cost, { before_taxes: 2, taxes });

      // The catalog holds the same charger for both, the 2.3.0 one with its Parking.
      // A location and each of its EVSEs are streams of their own, appended one after the other:
      // the catalog can hold the location a moment before its EVSEs, so wait for those too.
      const catalog = async (partyId: string) => {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const found = await call('GET', `/catalog/locations/CA/${partyId}/YUL-1`, CATALOG_KEY);
          if (found.status === 200 && found.body.location.evses?.length === place230.evses?.length) return found.body.location;
          assert.ok(Date.now() < deadline, `the catalog never held CA*${partyId} YUL-1: ${JSON.stringify(found.body)}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      };
      const held230 = await catalog('PRK');
      const held221 = await catalog('TWO');
      assert.deepEqual(held230.parking_places, parkingPlaces);
      assert.deepEqual(held230.evses[0].parking, [{ parking_id: 'P1', evse_position: 'RIGHT' }]);
      const common = (held: Json) => {
        const { party_id, parking_places, evses, ...rest } = held;
        return { ...rest, evses: evses.map(({ parking, ...evse }: Json) => evse) };
      };
      assert.deepEqual(common(held230), common(held221));

      // /finance: the same statement line for both CPOs (priced against the same tariff).
      const deadline = Date.now() + 60_000;
      let statements = await call('GET', '/finance/statements?month=2026-07', FINANCE_KEY);
      while (statements.body.items?.length !== 2) {
        assert.ok(Date.now() < deadline, `the statements never listed both CPOs: ${JSON.stringify(statements.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        statements = await call('GET', '/finance/statements?month=2026-07', FINANCE_KEY);
      }
      const byPartner = new Map<string, Json>(
        statements.body.items.map(({ partner, country_code, party_id, position, ...rest }: Json) => [partner, rest]),
      );
      assert.deepEqual(byPartner.get('CA*PRK'), byPartner.get('CA*TWO'));
      assert.equal(byPartner.get('CA*PRK').amount_excl_vat, '2.00');
      assert.equal(byPartner.get('CA*PRK').amount_incl_vat, '2.30');
      // Priced, and nothing disputed: the 2.3.0 CDR is checked before taxes only (its tariff adds
      // taxes on top), the 2.2.1 one at its tariff's 15% VAT.
      const priced = async (partner: string) => {
        const until = Date.now() + 60_000;
        for (;;) {
          const [row] = (await call('GET', `/finance/cdrs?partner=${partner}&currency=CAD`, FINANCE_KEY)).body.items ?? [];
          if (row?.pricing_status === 'priced') return row;
          assert.ok(Date.now() < until, `${partner}'s CDR was never priced: ${JSON.stringify(row)}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      };
      const pricedPrk = await priced('CA*PRK');
      assert.deepEqual([pricedPrk.priced_excl_vat, pricedPrk.priced_incl_vat], ['2.00', null]);
      assert.ok(!pricedPrk.findings.includes('cdr_cost_mismatch'), pricedPrk.findings.join());
      const pricedTwo = await priced('CA*TWO');
      assert.deepEqual([pricedTwo.priced_excl_vat, pricedTwo.priced_incl_vat], ['2.00', '2.30']);
      assert.ok(!pricedTwo.findings.includes('cdr_cost_mismatch'), pricedTwo.findings.join());

      // Pulling its 2.3.0 Sessions and CDRs Senders: 2.3.0 pages through the same mapping as a push.
      parking.senderObjects.set('cdrs', [
        { ...cdrOf('PRK', 'NA-CDR-PULLED'), total_cost: { before_taxes: 2, taxes }, last_updated: '2026-07-02T09:05:00Z' },
      ]);
      parking.senderObjects.set('sessions', [
        {
          country_code: 'CA',
          party_id: 'PRK',
          id: 'NA-S-PULLED',
          start_date_time: '2026-07-02T08:00:00Z',
          kwh: 3,
          cdr_token: { country_code: 'NL', party_id: 'RLG', uid: CONTRACT, type: 'NEW_TOKEN_KIND', contract_id: CONTRACT },
          auth_method: 'AUTH_REQUEST',
          location_id: 'YUL-1',
          evse_uid: 'E1',
          connector_id: '1',
          currency: 'CAD',
          total_cost: { before_taxes: 1, taxes: [{ name: 'GST', amount: 0.05 }] },
          status: 'ACTIVE',
          last_updated: '2026-07-02T08:30:00Z',
        },
      ]);
      const pulled = await admin('POST', `/admin/pull/${invited230.id}`, { modules: ['sessions', 'cdrs'] });
      assert.equal(pulled.status, 200, JSON.stringify(pulled.body));
      const report = JSON.stringify(pulled.body);
      assert.equal(report.match(/"recorded":1/g)?.length, 2, report);
      assert.equal(parking.requestsTo('/ocpi/cpo/2.3.0/cdrs').length, 1);
      const pulledCdr = (await send230('GET', 'cdrs/CA/PRK/NA-CDR-PULLED')).body.data;
      assert.deepEqual(pulledCdr.total_cost, { before_taxes: 2, taxes });
      const pulledSession = (await send230('GET', 'sessions/CA/PRK/NA-S-PULLED')).body.data;
      // An OpenEnum value 2.2.1 does not know (TokenType) is kept, as a push on a 2.3.0 route keeps it.
      assert.equal(pulledSession.cdr_token.type, 'NEW_TOKEN_KIND');
      assert.deepEqual(pulledSession.total_cost, { before_taxes: 1, taxes: [{ name: 'GST', amount: 0.05 }] });
    } finally {
      await parking.close();
      await twin.close();
    }
  });

  test('pulling the 2.1.1 CPO reads its 2.1.1 CDRs and maps them as a push would', async () => {
    old.senderObjects.set('cdrs', [{ ...cdr211(), id: 'V211-CDR-PULLED', last_updated: '2026-06-02T09:05:00Z' }]);
    const pulled = await admin('POST', `/admin/pull/${oldId}`, { modules: ['cdrs'] });
    assert.equal(pulled.status, 200, JSON.stringify(pulled.body));
    const report = JSON.stringify(pulled.body);
    assert.match(report, /"recorded":1/, report);
    const [call] = old.requestsTo('/ocpi/cpo/2.1.1/cdrs');
    // A 2.1.1 call: the token as is, no routing headers.
    assert.equal(call.authorization, `Token ${old.tokenB}`);
    assert.equal(call.headers['ocpi-from-party-id'], undefined);
    const stored = await ocpiCall<Json>('GET', `${base}/ocpi/emsp/2.1.1/cdrs/BE/OLD/V211-CDR-PULLED`, old.ourToken, undefined, {
      plain: true,
    });
    assert.equal(stored.body.data?.auth_id, CONTRACT);
  });

  test('a token we issue reaches the 2.1.1 CPO in 2.1.1 shape: auth_id, no party, no routing headers', async () => {
    const issued = await admin('POST', '/admin/tokens', {
      country_code: 'NL',
      party_id: 'RLG',
      uid: 'RFID-211',
      type: 'RFID',
      contract_id: CONTRACT,
      issuer: 'Roamledger',
      valid: true,
      whitelist: 'ALLOWED',
    });
    assert.ok(issued.status < 300, JSON.stringify(issued.body));
    const path = '/ocpi/cpo/2.1.1/tokens/NL/RLG/RFID-211';
    const deadline = Date.now() + 60_000;
    while (old.requestsTo(path).length === 0) {
      assert.ok(Date.now() < deadline, 'the token never reached the 2.1.1 CPO');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const [put] = old.requestsTo(path);
    assert.equal(put.method, 'PUT');
    assert.equal(put.authorization, `Token ${old.tokenB}`);
    assert.equal(put.headers['ocpi-from-country-code'], undefined);
    const body = put.body as Json;
    assert.equal(body.auth_id, CONTRACT);
    assert.equal(body.uid, 'RFID-211');
    assert.equal(body.country_code, undefined);
    assert.equal(body.contract_id, undefined);
  });

  test('a PUT of credentials on a newer version moves the partner up: 2.1.1 to 2.2.1', async () => {
    old.versions = ['2.1.1', '2.2.1'];
    const moved = await ocpiCall<Json>('PUT', `${base}/ocpi/2.2.1/credentials`, old.ourToken ?? '', old.credentials('2.2.1'));
    assert.equal(moved.body.status_code, 1000, moved.body.status_message);
    assert.ok(Array.isArray(moved.body.data.roles), '2.2.1 credentials have roles');
    const partner = await admin('GET', `/admin/partners/${oldId}`);
    assert.equal(partner.body.version, '2.2.1');
    assert.ok(partner.body.endpoints.some((endpoint: Json) => endpoint.url === `${old.url}/ocpi/cpo/2.2.1/cdrs`));
    // From now on its token goes Base64-encoded, as 2.2.1 wants it.
    const token = moved.body.data.token;
    const read = await ocpiCall<Json>('GET', `${base}/ocpi/emsp/2.2.1/cdrs/BE/OLD/V211-CDR-1`, token);
    assert.equal(read.body.data.end_date_time, '2026-06-01T09:01:00Z');
  });

  test('we connect in the highest version both speak: 2.3.0 with a 2.1.1/2.2.1/2.3.0 CPO, 2.1.1 with a 2.1.1 CPO', async () => {
    const newest = await new VersionedCpoServer({
      versions: ['2.1.1', '2.2.1', '2.3.0'],
      countryCode: 'FR',
      partyId: 'TRI',
    }).start();
    const oldest = await new VersionedCpoServer({ versions: ['2.1.1'], countryCode: 'FR', partyId: 'UNO' }).start();
    try {
      const connected = await admin('POST', '/admin/partners/connect', {
        versions_url: newest.versionsUrl,
        token_a: newest.tokenA,
      });
      assert.equal(connected.status, 201, JSON.stringify(connected.body));
      assert.equal(connected.body.version, '2.3.0');
      // It offers 2.3.0 Payments, which we do not: stored with its other endpoints, nothing refused.
      assert.ok(connected.body.endpoints.some((endpoint: Json) => endpoint.identifier === 'payments'));
      assert.equal(newest.requestsTo('/ocpi/2.3.0/credentials').length, 1);

      const connected211 = await admin('POST', '/admin/partners/connect', {
        versions_url: oldest.versionsUrl,
        token_a: oldest.tokenA,
      });
      assert.equal(connected211.status, 201, JSON.stringify(connected211.body));
      assert.equal(connected211.body.version, '2.1.1');
      const [post] = oldest.requestsTo('/ocpi/2.1.1/credentials');
      // Our 2.1.1 credentials: one party at the top level, sent with the token as is.
      assert.equal(post.authorization, `Token ${oldest.tokenA}`);
      assert.equal((post.body as Json).party_id, 'RLG');
      assert.equal((post.body as Json).roles, undefined);
      assert.deepEqual(
        connected211.body.roles.map((role: Json) => `${role.role} ${role.country_code}*${role.party_id}`),
        ['CPO FR*UNO'],
      );
    } finally {
      await newest.close();
      await oldest.close();
    }
  });
});

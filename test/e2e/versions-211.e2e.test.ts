import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { hubModule } from '@roamledger/modules';
import { gentCdrLocation } from '../support/ocpi-fixtures';
import { ocpiCall } from '../support/partner-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { VersionedCpoServer } from '../support/versioned-cpo-server';

// Everything the issue asks of a 2.1.1 CPO, on real ports: it registers, pushes a Location (then
// PATCHes an EVSE and a connector), a Tariff, a session and its CDR in 2.1.1's shapes, pulls our
// tokens, asks for a real-time authorization and receives a command. A 2.2.1 CPO sends the same in
// 2.2.1's shapes; both end in the same catalog entries and the same /finance statement.

const ADMIN_KEY = 'v211-e2e-admin-key-0123456789';
const FINANCE_KEY = 'v211-e2e-finance-key-0123456789';
const CATALOG_KEY = 'v211-e2e-catalog-key-0123456789';
const APP_KEY = 'v211-e2e-app-key-0123456789';
// biome-ignore lint/suspicious/noExplicitAny: tests read the JSON they asked for
type Json = any;

const CONTRACT = 'NL-RLG-C00000211-X';
const T0 = '2026-07-01T07:00:00Z';
const T1 = '2026-07-01T07:30:00Z';

const PERIODS = [
  {
    start_date_time: '2026-07-01T08:01:00Z',
    dimensions: [
      { type: 'ENERGY', volume: 6.25 },
      { type: 'TIME', volume: 0.5 },
    ],
  },
  {
    start_date_time: '2026-07-01T08:31:00Z',
    dimensions: [
      { type: 'ENERGY', volume: 5 },
      { type: 'TIME', volume: 0.5 },
    ],
  },
];

/** 0.20 EUR/kWh and 0.45 EUR/h: the charging above costs 2.25 + 0.45 = 2.70. */
const ELEMENTS = [
  {
    price_components: [
      { type: 'ENERGY', price: 0.2, step_size: 1 },
      { type: 'TIME', price: 0.45, step_size: 1 },
    ],
  },
];

/** The Tariff in 2.1.1: no party, no type, prices without VAT. */
const tariff211 = (id = 'T1', lastUpdated = T0) => ({
  id,
  currency: 'EUR',
  tariff_alt_text: [{ language: 'en', text: '0.20/kWh, 0.45/h' }],
  elements: ELEMENTS,
  last_updated: lastUpdated,
});

const tariff221 = (party: string) => ({ country_code: 'BE', party_id: party, ...tariff211() });

/** A connector in 2.1.1: voltage, amperage and one tariff_id. */
const connector211 = (id: string, tariffId = 'T1') => ({
  id,
  standard: 'IEC_62196_T2',
  format: 'SOCKET',
  power_type: 'AC_3_PHASE',
  voltage: 230,
  amperage: 16,
  tariff_id: tariffId,
  last_updated: T0,
});

const evse211 = (uid: string, status = 'AVAILABLE') => ({
  uid,
  evse_id: `BE*BEC*E${uid}`,
  status,
  capabilities: ['RFID_READER', 'REMOTE_START_STOP_CAPABLE'],
  connectors: [connector211('1')],
  physical_reference: '1',
  last_updated: T0,
});

/** The Location in 2.1.1: `type`, no party, no publish; the time zone is optional there. */
const location211 = (extra: Record<string, unknown> = {}) => ({
  id: 'LOC1',
  type: 'ON_STREET',
  name: 'Gent Zuid',
  address: 'F.Rooseveltlaan 3A',
  city: 'Gent',
  postal_code: '9000',
  country: 'BEL',
  coordinates: { latitude: '51.047599', longitude: '3.729944' },
  evses: [evse211('3256')],
  operator: { name: 'BeCharged' },
  time_zone: 'Europe/Brussels',
  opening_times: { twentyfourseven: true },
  energy_mix: { is_green_energy: false, environ_impact: [{ source: 'CARBON_DIOXIDE', amount: 372 }] },
  last_updated: T0,
  ...extra,
});

/** The same Location as a 2.2.1 CPO sends it. */
const location221 = (party: string) => {
  const { type, evses, energy_mix, ...same } = location211();
  return {
    country_code: 'BE',
    party_id: party,
    ...same,
    publish: true,
    parking_type: 'ON_STREET',
    evses: evses.map((evse) => ({
      ...evse,
      connectors: evse.connectors.map(({ voltage, amperage, tariff_id, ...connector }) => ({
        ...connector,
        max_voltage: voltage,
        max_amperage: amperage,
        tariff_ids: [tariff_id],
      })),
    })),
    energy_mix: { is_green_energy: false, environ_impact: [{ category: 'CARBON_DIOXIDE', amount: 372 }] },
  };
};

const session211 = (id: string) => ({
  id,
  start_datetime: '2026-07-01T08:01:00Z',
  end_datetime: '2026-07-01T09:01:00Z',
  kwh: 11.25,
  auth_id: CONTRACT,
  auth_method: 'AUTH_REQUEST',
  location: { ...location211(), evses: [evse211('3256', 'CHARGING')] },
  currency: 'EUR',
  charging_periods: PERIODS,
  total_cost: 2.7,
  status: 'COMPLETED',
  last_updated: '2026-07-01T09:01:30Z',
});

const cdr211 = (id: string) => ({
  id,
  start_date_time: '2026-07-01T08:01:00Z',
  stop_date_time: '2026-07-01T09:01:00Z',
  auth_id: CONTRACT,
  auth_method: 'AUTH_REQUEST',
  location: { ...location211(), evses: [evse211('3256', 'CHARGING')] },
  currency: 'EUR',
  tariffs: [tariff211()],
  charging_periods: PERIODS,
  total_cost: 2.7,
  total_energy: 11.25,
  total_time: 1,
  last_updated: '2026-07-01T09:05:00Z',
});

describe('OCPI 2.1.1 end to end: a 2.1.1 CPO does all a 2.2.1 CPO does, and ends in the same catalog and statements', () => {
  let hub: TestApp;
  let base: string;
  let store: EventStore;
  let old: VersionedCpoServer;
  let current: VersionedCpoServer;

  const call = async (method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const admin = (method: string, path: string, body?: unknown) => call(method, path, ADMIN_KEY, body);
  /** The 2.1.1 CPO calling us: 2.1.1 routes, its token as is, no routing headers. */
  const send211 = (method: string, path: string, body?: unknown) =>
    ocpiCall<Json>(method, `${base}/ocpi/emsp/2.1.1/${path}`, old.ourToken, body, { plain: true });
  const send221 = (method: string, path: string, body?: unknown) =>
    ocpiCall<Json>(method, `${base}/ocpi/emsp/2.2.1/${path}`, current.ourToken, body, {
      headers: {
        'ocpi-from-country-code': 'BE',
        'ocpi-from-party-id': 'NEW',
        'ocpi-to-country-code': 'NL',
        'ocpi-to-party-id': 'RLG',
      },
    });
  /** A read API once its projections have caught up with the log. */
  const caughtUp = async (path: string, key: string, ready: (body: Json) => boolean = () => true) => {
    const head = await store.headPosition();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const answer = await call('GET', path, key);
      if (answer.status === 200 && (answer.body.position === undefined || answer.body.position >= head) && ready(answer.body))
        return answer;
      assert.ok(Date.now() < deadline, `${path} never caught up: ${JSON.stringify(answer.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const register = async (cpo: VersionedCpoServer, partyId: string, version: string) => {
    const invitation = await admin('POST', '/admin/partners', {
      name: `CPO ${partyId}`,
      country_code: 'BE',
      party_id: partyId,
      roles: ['CPO'],
    });
    assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
    const answer = await cpo.registerWith(invitation.body.versions_url, invitation.body.token_a, version);
    assert.equal(answer.body.status_code, 1000, answer.body.status_message);
    return invitation.body.id as string;
  };

  before(async () => {
    hub = await startTestApp(
      hubModule,
      { ADMIN_API_KEY: ADMIN_KEY, FINANCE_API_KEY: FINANCE_KEY, CATALOG_API_KEY: CATALOG_KEY, APP_API_KEY: APP_KEY },
      { listen: true },
    );
    base = hub.config.publicUrl;
    store = hub.app.get(EVENT_STORE);
    old = await new VersionedCpoServer({ versions: ['2.1.1'], countryCode: 'BE', partyId: 'OLD' }).start();
    current = await new VersionedCpoServer({ versions: ['2.2.1'], countryCode: 'BE', partyId: 'NEW' }).start();
  });
  after(async () => {
    await hub?.close();
    await old?.close();
    await current?.close();
  });

  test('our 2.1.1 details offer every module a 2.1.1 CPO needs; both CPOs register', async () => {
    await register(old, 'OLD', '2.1.1');
    await register(current, 'NEW', '2.2.1');
    const details = await ocpiCall<Json>('GET', `${base}/ocpi/versions/2.1.1`, old.ourToken, undefined, { plain: true });
    assert.deepEqual(
      details.body.data.endpoints.map((endpoint: Json) => `${endpoint.identifier} ${endpoint.url}`),
      [
        `credentials ${base}/ocpi/2.1.1/credentials`,
        `sessions ${base}/ocpi/emsp/2.1.1/sessions`,
        `cdrs ${base}/ocpi/emsp/2.1.1/cdrs`,
        `locations ${base}/ocpi/emsp/2.1.1/locations`,
        `tariffs ${base}/ocpi/emsp/2.1.1/tariffs`,
        `tokens ${base}/ocpi/emsp/2.1.1/tokens`,
        `commands ${base}/ocpi/emsp/2.1.1/commands`,
      ],
    );
  });

  test('Locations in 2.1.1: PUT a Location, PATCH an EVSE status and a connector tariff, PUT an EVSE, read back', async () => {
    const put = await send211('PUT', 'locations/BE/OLD/LOC1', location211());
    assert.equal(put.httpStatus, 201, put.body.status_message);
    assert.equal(put.body.status_code, 1000);
    const status = await send211('PATCH', 'locations/BE/OLD/LOC1/3256', { status: 'CHARGING', last_updated: T1 });
    assert.equal(status.body.status_code, 1000, status.body.status_message);
    const tariff = await send211('PATCH', 'locations/BE/OLD/LOC1/3256/1', { tariff_id: 'T2', last_updated: T1 });
    assert.equal(tariff.body.status_code, 1000, tariff.body.status_message);
    const added = await send211('PUT', 'locations/BE/OLD/LOC1/3257', evse211('3257'));
    assert.equal(added.httpStatus, 201, added.body.status_message);
    // 2.1.1 has no DELETE of a Location either: refused, and the Location stays.
    assert.equal((await send211('DELETE', 'locations/BE/OLD/LOC1/3257')).httpStatus, 405);

    const read = await send211('GET', 'locations/BE/OLD/LOC1');
    assert.equal(read.body.status_code, 1000);
    const location = read.body.data;
    assert.equal(location.type, 'ON_STREET');
    assert.equal(location.publish, undefined);
    assert.equal(location.country_code, undefined);
    assert.deepEqual(location.energy_mix.environ_impact, [{ source: 'CARBON_DIOXIDE', amount: 372 }]);
    assert.deepEqual(
      location.evses.map(
        (evse: Json) => `${evse.uid} ${evse.status} ${evse.connectors[0].tariff_id} ${evse.connectors[0].voltage}`,
      ),
      ['3256 CHARGING T2 230', '3257 AVAILABLE T1 230'],
    );
    const connector = await send211('GET', 'locations/BE/OLD/LOC1/3256/1');
    assert.equal(connector.body.data.amperage, 16);
    assert.equal(connector.body.data.max_amperage, undefined);

    // 2.1.1's rules where they differ from 2.2.1: a `type` is required, a `publish` is not.
    const { type: _, ...untyped } = location211({ id: 'LOC9' });
    const refused = await send211('PUT', 'locations/BE/OLD/LOC9', untyped);
    assert.equal(refused.body.status_code, 2001);
    assert.match(refused.body.status_message ?? '', /type/);
    // Without a time zone (optional in 2.1.1): accepted, and none is made up.
    const { time_zone: __, ...zoneless } = location211({ id: 'LOC2', evses: [evse211('4000')] });
    const kept = await send211('PUT', 'locations/BE/OLD/LOC2', zoneless);
    assert.equal(kept.httpStatus, 201, kept.body.status_message);
    // 2.1.1's own PATCH example carries no last_updated: the time we received it stands for it.
    const bare = await send211('PATCH', 'locations/BE/OLD/LOC2/4000', { status: 'CHARGING' });
    assert.equal(bare.body.status_code, 1000, bare.body.status_message);
    const evse = await send211('GET', 'locations/BE/OLD/LOC2/4000');
    assert.equal(evse.body.data.status, 'CHARGING');
    assert.ok(Date.parse(evse.body.data.last_updated) > Date.parse(T1));
    // The object is the CPO's: another party's URL is refused as in 2.2.1.
    const foreign = await send211('PUT', 'locations/BE/NEW/LOC1', location211());
    assert.notEqual(foreign.body.status_code, 1000);

    // The 2.2.1 CPO pushes the same in 2.2.1's shapes.
    const same = location221('NEW');
    const steps: Array<[string, string, unknown]> = [
      ['PUT', 'LOC1', same],
      ['PATCH', 'LOC1/3256', { status: 'CHARGING', last_updated: T1 }],
      ['PATCH', 'LOC1/3256/1', { tariff_ids: ['T2'], last_updated: T1 }],
      ['PUT', 'LOC1/3257', { ...same.evses[0], uid: '3257', evse_id: 'BE*BEC*E3257' }],
    ];
    for (const [method, path, body] of steps) {
      const answer = await send221(method, `locations/BE/NEW/${path}`, body);
      assert.equal(answer.body.status_code, 1000, `${method} ${path}: ${answer.body.status_message}`);
    }
  });

  test('Tariffs in 2.1.1: PUT, PATCH (2.1.1 has it), GET in 2.1.1 shape, DELETE', async () => {
    const put = await send211('PUT', 'tariffs/BE/OLD/T1', tariff211());
    assert.equal(put.httpStatus, 201, put.body.status_message);
    const read = await send211('GET', 'tariffs/BE/OLD/T1');
    assert.equal(read.body.data.country_code, undefined);
    assert.deepEqual(read.body.data.elements, ELEMENTS);

    const other = await send211('PUT', 'tariffs/BE/OLD/T2', tariff211('T2'));
    assert.equal(other.httpStatus, 201, other.body.status_message);
    const patched = await send211('PATCH', 'tariffs/BE/OLD/T2', {
      elements: [{ price_components: [{ type: 'TIME', price: 2.5, step_size: 300 }] }],
    });
    assert.equal(patched.body.status_code, 1000, patched.body.status_message);
    const after = await send211('GET', 'tariffs/BE/OLD/T2');
    assert.equal(after.body.data.elements[0].price_components[0].price, 2.5);
    assert.equal(after.body.data.currency, 'EUR');
    const deleted = await send211('DELETE', 'tariffs/BE/OLD/T2');
    assert.equal(deleted.body.status_code, 1000, deleted.body.status_message);
    assert.equal((await send211('GET', 'tariffs/BE/OLD/T2')).httpStatus, 404);
    // A PATCH of a tariff we do not hold: 404, PUT it whole.
    assert.equal((await send211('PATCH', 'tariffs/BE/OLD/T9', { currency: 'EUR' })).httpStatus, 404);
    // A price component of a dimension 2.1.1 does not know is refused on that field.
    const refused = await send211('PUT', 'tariffs/BE/OLD/T3', {
      ...tariff211('T3'),
      elements: [{ price_components: [{ type: 'KWH', price: 1, step_size: 1 }] }],
    });
    assert.equal(refused.body.status_code, 2001);
    assert.match(refused.body.status_message ?? '', /elements\[0\]\.price_components\[0\]\.type/);

    const put221 = await send221('PUT', 'tariffs/BE/NEW/T1', tariff221('NEW'));
    assert.equal(put221.httpStatus, 201, put221.body.status_message);
  });

  test('the catalog holds the same Location and Tariff for both CPOs', async () => {
    const location = async (party: string) => {
      const { body } = await caughtUp(`/catalog/locations/BE/${party}/LOC1`, CATALOG_KEY);
      const { party_id, position, ...rest } = body.location;
      return { ...rest, position: undefined };
    };
    assert.deepEqual(await location('OLD'), await location('NEW'));
    const zoneless = await caughtUp('/catalog/locations/BE/OLD/LOC2', CATALOG_KEY);
    assert.equal(zoneless.body.location.time_zone ?? null, null);

    const tariff = async (party: string) => {
      const { body } = await caughtUp(`/catalog/tariffs/BE/${party}/T1?at=2026-07-01T08:00:00Z`, CATALOG_KEY);
      const { party_id, ...rest } = body.tariff;
      return rest;
    };
    assert.deepEqual(await tariff('OLD'), await tariff('NEW'));
  });

  test('a session and its CDR (with its tariff) in 2.1.1 and in 2.2.1 end in the same statement, priced alike', async () => {
    const session = await send211('PUT', 'sessions/BE/OLD/S211', session211('S211'));
    assert.equal(session.httpStatus, 201, session.body.status_message);
    const cdr = await send211('POST', 'cdrs', cdr211('CDR211'));
    assert.equal(cdr.httpStatus, 201, cdr.body.status_message);
    const stored = await ocpiCall<Json>('GET', cdr.headers.get('location') ?? '', old.ourToken, undefined, { plain: true });
    assert.equal(stored.body.data.tariffs[0].id, 'T1');
    assert.equal(stored.body.data.tariffs[0].country_code, undefined);

    const cdrToken = { country_code: 'NL', party_id: 'RLG', uid: CONTRACT, type: 'OTHER', contract_id: CONTRACT };
    const session221 = await send221('PUT', 'sessions/BE/NEW/S221', {
      country_code: 'BE',
      party_id: 'NEW',
      id: 'S221',
      start_date_time: '2026-07-01T08:01:00Z',
      end_date_time: '2026-07-01T09:01:00Z',
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
      last_updated: '2026-07-01T09:01:30Z',
    });
    assert.equal(session221.httpStatus, 201, session221.body.status_message);
    const cdr221 = await send221('POST', 'cdrs', {
      country_code: 'BE',
      party_id: 'NEW',
      id: 'CDR221',
      start_date_time: '2026-07-01T08:01:00Z',
      end_date_time: '2026-07-01T09:01:00Z',
      cdr_token: cdrToken,
      auth_method: 'AUTH_REQUEST',
      cdr_location: { ...gentCdrLocation('AC_3_PHASE'), evse_id: 'BE*BEC*E3256' },
      currency: 'EUR',
      tariffs: [tariff221('NEW')],
      charging_periods: PERIODS,
      total_cost: { excl_vat: 2.7 },
      total_energy: 11.25,
      total_time: 1,
      last_updated: '2026-07-01T09:05:00Z',
    });
    assert.equal(cdr221.httpStatus, 201, cdr221.body.status_message);

    const statements = await caughtUp(
      '/finance/statements?month=2026-07',
      FINANCE_KEY,
      (body) => body.items?.filter((item: Json) => item.cdr_count > 0).length === 2,
    );
    const statement = (partner: string) => {
      const { country_code, party_id, position, ...rest } = statements.body.items.find((item: Json) => item.partner === partner);
      return { ...rest, partner: undefined };
    };
    assert.deepEqual(statement('BE*OLD'), statement('BE*NEW'));
    assert.equal(statement('BE*OLD').amount_excl_vat, '2.70');

    // Re-priced from the tariff each pushed (the Tariffs module's version in force): the same check.
    const check = async (party: string, id: string) => {
      const { body } = await caughtUp(`/finance/cdrs/BE/${party}/${id}`, FINANCE_KEY, (b) => b.cost_check?.priced != null);
      return body.cost_check;
    };
    const oldCheck = await check('OLD', 'CDR211');
    assert.deepEqual(oldCheck, await check('NEW', 'CDR221'));
    assert.equal(Number(oldCheck.priced.excl_vat), 2.7);
    assert.equal(oldCheck.time_zone, 'Europe/Brussels');
  });

  /** Waits until `ready` holds for what `read` returns. */
  const eventually = async <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean): Promise<T> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const value = await read();
      if (ready(value)) return value;
      assert.ok(Date.now() < deadline, `${what}: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  test('Tokens Sender in 2.1.1: the CPO pulls our tokens (2.1.1 shape and pagination) and asks for authorizations', async () => {
    for (const [uid, type, contract] of [
      ['RFID-211', 'RFID', CONTRACT],
      ['APP-211', 'APP_USER', 'NL-RLG-C00000212-X'],
    ]) {
      const issued = await admin('POST', '/admin/tokens', {
        country_code: 'NL',
        party_id: 'RLG',
        uid,
        type,
        contract_id: contract,
        issuer: 'Roamledger',
        valid: true,
        whitelist: 'ALLOWED',
      });
      assert.ok(issued.status < 300, JSON.stringify(issued.body));
    }
    const listed = await eventually(
      'the tokens were never listed',
      () => send211('GET', 'tokens'),
      (answer) => answer.body.data?.length === 2,
    );
    const byUid = new Map<string, Json>(listed.body.data.map((token: Json) => [token.uid, token]));
    const rfid = byUid.get('RFID-211');
    assert.equal(rfid.auth_id, CONTRACT);
    assert.equal(rfid.type, 'RFID');
    for (const field of ['country_code', 'party_id', 'contract_id']) assert.equal(rfid[field], undefined, field);
    // 2.1.1 knows RFID and OTHER only: an app token is OTHER there.
    assert.equal(byUid.get('APP-211').type, 'OTHER');

    // 2.1.1 pagination: X-Limit is how many this page may hold; Link to the next page, filters kept.
    const page = await send211('GET', 'tokens?limit=1&date_from=2020-01-01T00:00:00Z');
    assert.equal(page.body.data.length, 1);
    assert.equal(page.headers.get('x-limit'), '1');
    assert.equal(page.headers.get('x-total-count'), '2');
    const link = page.headers.get('link') ?? '';
    assert.match(link, /offset=1/);
    assert.match(link, /date_from=2020-01-01T00%3A00%3A00Z|date_from=2020-01-01T00:00:00Z/);
    assert.match(link, /\/ocpi\/emsp\/2\.1\.1\/tokens/);

    const references = { location_id: 'LOC1', evse_uids: ['3256'], connector_ids: ['1'] };
    const allowed = await send211('POST', 'tokens/RFID-211/authorize', references);
    assert.equal(allowed.body.status_code, 1000, allowed.body.status_message);
    // 2.1.1's AuthorizationInfo: allowed and the location as asked; no token, no authorization_reference.
    assert.deepEqual(allowed.body.data, { allowed: 'ALLOWED', location: references });
    const app = await send211('POST', 'tokens/APP-211/authorize?type=OTHER');
    assert.deepEqual(app.body.data, { allowed: 'ALLOWED' });
    const unknown = await send211('POST', 'tokens/NOPE/authorize');
    assert.equal(unknown.httpStatus, 404);
    assert.equal(unknown.body.status_code, 2000);
    const typed = await send211('POST', 'tokens/APP-211/authorize?type=APP_USER');
    assert.equal(typed.body.status_code, 2001);
    assert.match(typed.body.status_message ?? '', /OTHER, RFID/);

    // The 2.2.1 CPO asks the same and gets the same verdict, in 2.2.1's shape.
    const same = await send221('POST', 'tokens/RFID-211/authorize', { location_id: 'LOC1', evse_uids: ['3256'] });
    assert.equal(same.body.data.allowed, 'ALLOWED');
    assert.equal(typeof same.body.data.authorization_reference, 'string');
  });

  test('Commands to the 2.1.1 CPO: a START_SESSION in 2.1.1 shape, its answer and its result on our 2.1.1 response_url', async () => {
    const command = await call('POST', '/api/commands', APP_KEY, {
      to: { country_code: 'BE', party_id: 'OLD' },
      command: 'START_SESSION',
      body: { token: { uid: 'RFID-211', type: 'RFID' }, location_id: 'LOC1', evse_uid: '3256', connector_id: '1' },
    });
    assert.equal(command.status, 202, JSON.stringify(command.body));
    const answered = await eventually(
      'the command was never answered',
      () => call('GET', `/api/commands/${command.body.id}`, APP_KEY),
      (state) => state.body.response != null,
    );
    // 2.1.1 gives no timeout: we wait our own.
    assert.deepEqual(answered.body.response, { result: 'ACCEPTED', timeout: 300 });
    const [received] = old.requestsTo('/ocpi/cpo/2.1.1/commands/START_SESSION');
    assert.equal(received.authorization, `Token ${old.tokenB}`);
    assert.equal(received.headers['ocpi-to-party-id'], undefined);
    const sent = received.body as Json;
    assert.equal(sent.response_url, `${base}/ocpi/emsp/2.1.1/commands/START_SESSION/${command.body.id}`);
    assert.equal(sent.location_id, 'LOC1');
    assert.equal(sent.token.auth_id, CONTRACT);
    for (const field of ['authorization_reference', 'connector_id']) assert.equal(sent[field], undefined, field);
    assert.equal(sent.token.country_code, undefined);

    // The CPO posts the Charge Point's answer as 2.1.1 has it: a CommandResponse.
    const result = await ocpiCall<Json>('POST', sent.response_url, old.ourToken, { result: 'ACCEPTED' }, { plain: true });
    assert.equal(result.body.status_code, 1000, result.body.status_message);
    const done = await call('GET', `/api/commands/${command.body.id}`, APP_KEY);
    assert.equal(done.body.result.result, 'ACCEPTED');
    // A result 2.1.1 does not know is refused on that field.
    const wrong = await ocpiCall<Json>('POST', sent.response_url, old.ourToken, { result: 'EVSE_OCCUPIED' }, { plain: true });
    assert.equal(wrong.body.status_code, 2001);

    // 2.1.1 has no CANCEL_RESERVATION: refused before anything is sent.
    const cancel = await call('POST', '/api/commands', APP_KEY, {
      to: { country_code: 'BE', party_id: 'OLD' },
      command: 'CANCEL_RESERVATION',
      body: { reservation_id: '7' },
    });
    assert.equal(cancel.status, 400, JSON.stringify(cancel.body));
    assert.match(JSON.stringify(cancel.body), /not part of OCPI 2\.1\.1/);
  });
});

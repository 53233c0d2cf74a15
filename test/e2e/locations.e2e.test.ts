import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SEAL_STREAM } from '@roamledger/audit';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { evseStream, locationStream } from '@roamledger/locations';
import { hubModule } from '@roamledger/modules';
import type { Location, Tariff } from '@roamledger/ocpi';
import { tariffStream } from '@roamledger/tariffs';
import { type CpoSenderServer, startCpoSenderServer } from '../support/cpo-sender-server';
import { connector, evse, location, tariff } from '../support/location-fixtures';
import { ocpiCall, PartnerServer } from '../support/partner-server';
import { startTestApp, type TestApp } from '../support/test-app';

// The hub as `npm start` runs it, on a real port, and a CPO on another: the CPO registers, pushes
// its locations (EVSEs, connectors) and tariffs, sends status PATCHes out of order and deletes a
// tariff; the catalog answers from the log; after an outage a pull fills the gap, once.

const ADMIN_KEY = 'e2e-admin-key-0123456789';
const CATALOG_KEY = 'e2e-catalog-key-0123456789';
const T0 = '2026-03-01T08:00:00Z';
const T1 = '2026-03-01T08:05:00Z';
const T2 = '2026-03-01T08:10:00Z';
const T3 = '2026-03-01T08:15:00Z';
const T5 = '2026-03-01T08:25:00Z';

// biome-ignore lint/suspicious/noExplicitAny: tests read the JSON they asked for
type Json = any;

describe('locations and tariffs end to end: a CPO pushes, the catalog answers, a pull fills a gap', () => {
  let hub: TestApp;
  let store: EventStore;
  let base: string;
  let cpo: PartnerServer;
  let sender: CpoSenderServer;
  let partnerId: string;
  let tokenC: string;
  let locationsUrl: string;
  let tariffsUrl: string;

  const admin = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const push = (method: string, url: string, body?: unknown) => ocpiCall<Json>(method, url, tokenC, body);

  /** The catalog once its projection has caught up with the log. */
  const catalog = async (path: string, accept = 'application/json'): Promise<{ status: number; body: Json; type: string }> => {
    const head = await store.headPosition();
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${CATALOG_KEY}`, accept } });
      const body: Json = await response.json();
      if (response.status !== 200 || body.position >= head || attempt > 100) {
        return { status: response.status, body, type: response.headers.get('content-type') ?? '' };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const gent = (
    lastUpdated: string,
    evses = [
      evse('E1', T0),
      evse('E2', T0, {
        connectors: [
          connector('1', T0),
          connector('2', T0, { standard: 'DOMESTIC_F', power_type: 'AC_1_PHASE', max_electric_power: 3680 } as never),
        ],
      }),
    ],
  ) => location('GENT1', lastUpdated, { evses });
  const fastCharger = location('ANTW1', T0, {
    name: 'Antwerpen fast',
    city: 'Antwerpen',
    coordinates: { latitude: '51.219450', longitude: '4.402460' },
    evses: [
      evse('F1', T0, {
        capabilities: ['REMOTE_START_STOP_CAPABLE'],
        connectors: [
          connector('1', T0, {
            standard: 'CHADEMO',
            format: 'CABLE',
            power_type: 'DC',
            max_voltage: 500,
            max_amperage: 125,
            max_electric_power: 50000,
            tariff_ids: ['T-DC'],
          } as never),
        ],
      } as never),
    ],
  });

  before(async () => {
    hub = await startTestApp(hubModule, { ADMIN_API_KEY: ADMIN_KEY, CATALOG_API_KEY: CATALOG_KEY }, { listen: true });
    store = hub.app.get(EVENT_STORE);
    base = hub.config.publicUrl;
    cpo = new PartnerServer({
      countryCode: 'BE',
      partyId: 'BEC',
      name: 'CPO BEC',
      modules: [
        { identifier: 'locations', role: 'SENDER' },
        { identifier: 'tariffs', role: 'SENDER' },
        { identifier: 'cdrs', role: 'SENDER' },
      ],
    });
    sender = await startCpoSenderServer({ token: cpo.tokenB, pageSize: 1 });
    cpo.endpointUrls.set('locations', sender.locationsUrl);
    cpo.endpointUrls.set('tariffs', sender.tariffsUrl);
    await cpo.start();
    const invitation = await admin('POST', '/admin/partners', {
      name: 'CPO BEC',
      country_code: 'BE',
      party_id: 'BEC',
      roles: ['CPO'],
    });
    assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
    partnerId = invitation.body.id;
    const versions = await ocpiCall<Json>('GET', invitation.body.versions_url, invitation.body.token_a);
    const details = await ocpiCall<Json>(
      'GET',
      versions.body.data.find((entry: { version: string }) => entry.version === '2.2.1').url,
      invitation.body.token_a,
    );
    const endpoints: Array<{ identifier: string; url: string }> = details.body.data.endpoints;
    locationsUrl = endpoints.find((e) => e.identifier === 'locations')?.url ?? '';
    tariffsUrl = endpoints.find((e) => e.identifier === 'tariffs')?.url ?? '';
    const credentialsUrl = endpoints.find((e) => e.identifier === 'credentials')?.url ?? '';
    const registration = await ocpiCall<Json>('POST', credentialsUrl, invitation.body.token_a, cpo.credentials());
    assert.equal(registration.body.status_code, 1000, registration.body.status_message);
    tokenC = registration.body.data.token;
  });

  after(async () => {
    await sender?.close();
    await cpo?.close();
    await hub?.close();
  });

  test('our version details offer the Locations and Tariffs receivers', () => {
    assert.match(locationsUrl, /\/ocpi\/emsp\/2\.2\.1\/locations$/);
    assert.match(tariffsUrl, /\/ocpi\/emsp\/2\.2\.1\/tariffs$/);
  });

  test('the CPO PUTs locations with EVSEs and connectors; an EVSE under an unknown location is refused', async () => {
    const created = await push('PUT', `${locationsUrl}/BE/BEC/GENT1`, gent(T0));
    assert.equal(created.httpStatus, 201, JSON.stringify(created.body));
    assert.equal(created.body.status_code, 1000);
    assert.equal((await push('PUT', `${locationsUrl}/BE/BEC/ANTW1`, fastCharger)).httpStatus, 201);
    const again = await push('PUT', `${locationsUrl}/BE/BEC/GENT1`, gent(T0));
    assert.equal(again.httpStatus, 200);

    const orphan = await push('PUT', `${locationsUrl}/BE/BEC/NOWHERE/E9`, evse('E9', T1));
    assert.equal(orphan.httpStatus, 404);
    assert.equal(orphan.body.status_code, 2003);
    const orphanConnector = await push('PUT', `${locationsUrl}/BE/BEC/GENT1/E9/1`, connector('1', T1));
    assert.equal(orphanConnector.body.status_code, 2003);
    assert.equal((await store.readStream(evseStream({ countryCode: 'BE', partyId: 'BEC' }, 'NOWHERE', 'E9'))).length, 0);
    // POST and DELETE are not part of the Receiver interface: refused in the envelope, nothing removed.
    assert.equal((await push('POST', `${locationsUrl}/BE/BEC/GENT1`, gent(T0))).httpStatus, 405);
    const deleted = await push('DELETE', `${locationsUrl}/BE/BEC/GENT1`);
    assert.deepEqual([deleted.httpStatus, typeof deleted.body.status_code], [405, 'number']);
    assert.equal((await push('GET', `${locationsUrl}/BE/BEC/GENT1`)).body.status_code, 1000);

    const noLastUpdated = await push('PATCH', `${locationsUrl}/BE/BEC/GENT1/E1`, { status: 'CHARGING' });
    assert.equal(noLastUpdated.body.status_code, 2001);
    const otherParty = await push('PUT', `${locationsUrl}/NL/XYZ/GENT1`, { ...gent(T0), country_code: 'NL', party_id: 'XYZ' });
    assert.equal(otherParty.httpStatus, 404);

    const got = await push('GET', `${locationsUrl}/BE/BEC/GENT1`);
    assert.deepEqual(
      got.body.data.evses.map((e: Json) => [e.uid, e.status, e.connectors.length]),
      [
        ['E1', 'AVAILABLE', 1],
        ['E2', 'AVAILABLE', 2],
      ],
    );
  });

  test('status PATCHes out of order: the newer stays, the stale one is kept in the log; parents take the child’s last_updated', async () => {
    assert.equal(
      (await push('PATCH', `${locationsUrl}/BE/BEC/GENT1/E1`, { status: 'CHARGING', last_updated: T2 })).body.status_code,
      1000,
    );
    const stale = await push('PATCH', `${locationsUrl}/BE/BEC/GENT1/E1`, { status: 'BLOCKED', last_updated: T1 });
    assert.equal(stale.body.status_code, 1000);
    assert.match(stale.body.status_message ?? '', /older/);
    const tariffs = await push('PATCH', `${locationsUrl}/BE/BEC/GENT1/E2/2`, {
      tariff_ids: ['T-AC', 'T-PARK'],
      last_updated: T3,
    });
    assert.equal(tariffs.body.status_code, 1000);
    assert.equal(
      (await push('PATCH', `${locationsUrl}/BE/BEC/GENT1/E2`, { status: 'REMOVED', last_updated: T3 })).body.status_code,
      1000,
    );

    const evse1 = await push('GET', `${locationsUrl}/BE/BEC/GENT1/E1`);
    assert.equal(evse1.body.data.status, 'CHARGING');
    const gentNow = await push('GET', `${locationsUrl}/BE/BEC/GENT1`);
    assert.equal(gentNow.body.data.last_updated, T3);
    assert.equal(gentNow.body.data.evses[1].status, 'REMOVED');
    const connector2 = await push('GET', `${locationsUrl}/BE/BEC/GENT1/E2/2`);
    assert.deepEqual(connector2.body.data.tariff_ids, ['T-AC', 'T-PARK']);

    const party = { countryCode: 'BE', partyId: 'BEC' };
    const e1 = (await store.readStream(evseStream(party, 'GENT1', 'E1')))
      .map((e) => e.type)
      .filter((t) => t !== 'OcpiRequestReceived');
    assert.deepEqual(e1, ['EvsePublished', 'EvseStatusChanged', 'StaleLocationUpdateReceived']);
    const e2 = (await store.readStream(evseStream(party, 'GENT1', 'E2')))
      .map((e) => e.type)
      .filter((t) => t !== 'OcpiRequestReceived');
    assert.deepEqual(e2, ['EvsePublished', 'ConnectorTariffsChanged', 'EvseStatusChanged']);
    // A status PATCH touched only the EVSE's stream, never the location's.
    const gentStream = (await store.readStream(locationStream(party, 'GENT1'))).map((e) => e.type);
    assert.deepEqual(gentStream, ['OcpiRequestReceived', 'LocationPublished', 'EvseAdded', 'EvseAdded', 'OcpiRequestReceived']);
  });

  test('tariffs: every version kept, DELETE removes it from GET, not from history', async () => {
    const versions: Tariff[] = [
      tariff('T-AC', '2026-03-01T00:00:00Z', 0.25),
      tariff('T-AC', '2026-04-01T00:00:00Z', 0.3),
      tariff('T-AC', '2026-05-01T00:00:00Z', 0.35, { max_price: { excl_vat: 50 } } as never),
    ];
    assert.equal((await push('PUT', `${tariffsUrl}/BE/BEC/T-AC`, versions[0])).httpStatus, 201);
    for (const version of versions.slice(1))
      assert.equal((await push('PUT', `${tariffsUrl}/BE/BEC/T-AC`, version)).httpStatus, 200);
    const stale = await push('PUT', `${tariffsUrl}/BE/BEC/T-AC`, tariff('T-AC', '2026-03-15T00:00:00Z', 9));
    assert.match(stale.body.status_message ?? '', /older/);
    assert.equal((await push('PATCH', `${tariffsUrl}/BE/BEC/T-AC`, { last_updated: T5 })).httpStatus, 405);
    assert.equal((await push('GET', `${tariffsUrl}/BE/BEC/T-AC`)).body.data.elements[0].price_components[0].price, 0.35);
    assert.equal((await push('DELETE', `${tariffsUrl}/BE/BEC/T-AC`)).body.status_code, 1000);
    assert.equal((await push('GET', `${tariffsUrl}/BE/BEC/T-AC`)).httpStatus, 404);
    assert.equal((await push('DELETE', `${tariffsUrl}/BE/BEC/NEVER`)).httpStatus, 404);
    const history = (await store.readStream(tariffStream({ countryCode: 'BE', partyId: 'BEC' }, 'T-AC'))).map((e) => e.type);
    assert.deepEqual(
      history.filter((t) => t !== 'OcpiRequestReceived'),
      ['TariffPublished', 'TariffPublished', 'TariffPublished', 'StaleTariffUpdateReceived', 'TariffRemoved'],
    );
  });

  test('the catalog answers: tree, filters, GeoJSON, status history, the tariff in force at three instants', async () => {
    assert.equal((await fetch(`${base}/catalog/locations`)).status, 401);
    const all = await catalog('/catalog/locations?partner=BE*BEC');
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.deepEqual(
      all.body.items.map((l: Location) => l.id),
      ['ANTW1', 'GENT1'],
    );
    const gentItem = all.body.items[1];
    assert.equal(gentItem.last_updated, T3);
    assert.equal(gentItem.time_zone, 'Europe/Brussels');
    assert.deepEqual(gentItem.evses[1].connectors[1].tariff_ids, ['T-AC', 'T-PARK']);

    const ids = async (query: string) => (await catalog(`/catalog/locations?${query}`)).body.items.map((l: Location) => l.id);
    assert.deepEqual(await ids('evse_status=CHARGING'), ['GENT1']);
    assert.deepEqual(await ids('evse_status=OUTOFORDER'), []);
    assert.deepEqual(await ids('connector_standard=CHADEMO'), ['ANTW1']);
    assert.deepEqual(await ids('min_power_kw=50'), ['ANTW1']);
    assert.deepEqual(await ids('city=gent'), ['GENT1']);
    assert.deepEqual(await ids('near=51.0548,3.7218&radius=500'), ['GENT1']);
    assert.deepEqual(await ids('bbox=4.3,51.1,4.5,51.3'), ['ANTW1']);
    assert.deepEqual(await ids('country=NLD'), []);
    const first = await catalog('/catalog/locations?limit=1');
    assert.equal(first.body.items.length, 1);
    const second = await catalog(`/catalog/locations?limit=1&cursor=${first.body.next_cursor}`);
    assert.deepEqual(
      second.body.items.map((l: Location) => l.id),
      ['GENT1'],
    );
    assert.equal(second.body.next_cursor, null);
    assert.equal((await catalog('/catalog/locations?bbox=1,2')).status, 400);

    const geo = await catalog('/catalog/locations?city=Gent', 'application/geo+json');
    assert.match(geo.type, /^application\/geo\+json/);
    assert.equal(geo.body.type, 'FeatureCollection');
    assert.deepEqual(geo.body.features[0].geometry, { type: 'Point', coordinates: [3.72177, 51.05472] });
    assert.deepEqual(
      geo.body.features[0].properties.evses.map((e: Json) => e.status),
      ['CHARGING', 'REMOVED'],
    );

    const one = await catalog('/catalog/locations/be/bec/gent1');
    assert.equal(one.body.location.evses.length, 2);
    assert.equal((await catalog('/catalog/locations/BE/BEC/NOPE')).status, 404);

    const history = await catalog(`/catalog/evses/BE/BEC/GENT1/E1/status-history?from=${T1}`);
    assert.equal(history.body.status_at_from, 'AVAILABLE');
    assert.deepEqual(
      history.body.changes.map((c: Json) => [c.from_status, c.status, c.changed_at]),
      [['AVAILABLE', 'CHARGING', '2026-03-01T08:10:00.000Z']],
    );

    const priceAt = async (at: string) => {
      const answer = await catalog(`/catalog/tariffs/BE/BEC/T-AC?at=${at}`);
      return answer.status === 200
        ? [answer.body.version, answer.body.tariff.elements[0].price_components[0].price]
        : answer.status;
    };
    assert.deepEqual(await priceAt('2026-03-15T12:00:00Z'), [1, 0.25]);
    assert.deepEqual(await priceAt('2026-04-01T00:00:00Z'), [2, 0.3]);
    assert.deepEqual(await priceAt('2026-06-30T23:59:59Z'), [3, 0.35]);
    assert.equal(await priceAt('2026-02-01T00:00:00Z'), 404);
    assert.equal(await priceAt(new Date(Date.now() + 86_400_000).toISOString()), 404);
    const versions = await catalog('/catalog/tariffs/BE/BEC/T-AC');
    assert.equal(versions.body.versions.length, 3);
    assert.ok(versions.body.versions[2].removed_at);

    const docs = await fetch(`${base}/catalog/docs`);
    assert.equal(docs.status, 200);
    assert.ok(Object.keys(((await docs.json()) as Json).paths).includes('/catalog/locations'));
  });

  test('after an outage a pull over the CPO’s Sender interfaces fills the gap, and a second pull adds nothing', async () => {
    // While we were unreachable, E1 became AVAILABLE again and a tariff was published.
    (sender.locations as unknown[]).push(
      gent(T5, [
        evse('E1', T5),
        evse('E2', T3, {
          status: 'REMOVED',
          connectors: [
            connector('1', T0),
            connector('2', T3, {
              standard: 'DOMESTIC_F',
              power_type: 'AC_1_PHASE',
              max_electric_power: 3680,
              tariff_ids: ['T-AC', 'T-PARK'],
            } as never),
          ],
        } as never),
      ]),
      fastCharger,
    );
    (sender.tariffs as unknown[]).push(tariff('T-DC', T5, 0.59));
    // The client retries a 5xx twice: three failures in a row fail the pull.
    sender.failPages(3);
    const body = { modules: ['locations', 'tariffs'], date_from: '2026-01-01T00:00:00Z' };
    const failed = await admin('POST', `/admin/pull/${partnerId}`, { ...body, modules: ['locations'] });
    assert.equal(failed.body.reports[0].status, 'failed', JSON.stringify(failed.body.reports));

    const pulled = await admin('POST', `/admin/pull/${partnerId}`, body);
    assert.equal(pulled.status, 200, JSON.stringify(pulled.body));
    const counts = pulled.body.reports.map((r: Json) => [
      r.module,
      r.status,
      r.run.recorded,
      r.run.unchanged,
      r.run.rejected.length,
    ]);
    assert.deepEqual(counts, [
      ['locations', 'completed', 1, 1, 0],
      ['tariffs', 'completed', 1, 0, 0],
    ]);
    const head = await store.headPosition();
    const again = await admin('POST', `/admin/pull/${partnerId}`, body);
    assert.deepEqual(
      again.body.reports.map((r: Json) => [r.module, r.run.recorded, r.run.unchanged]),
      [
        ['locations', 0, 2],
        ['tariffs', 0, 1],
      ],
    );
    // Nothing but the pull runs' own records was appended by the second pull (and maybe a seal: the
    // sealer's timer runs beside it).
    const appended = (await store.readAll({ fromPosition: head + 1 })).filter((e) => e.stream !== SEAL_STREAM);
    assert.ok(
      appended.every((e) => e.stream.startsWith('pull-')),
      appended.map((e) => e.stream).join(', '),
    );

    const history = await catalog('/catalog/evses/BE/BEC/GENT1/E1/status-history');
    assert.deepEqual(
      history.body.changes.map((c: Json) => c.status),
      ['AVAILABLE', 'CHARGING', 'AVAILABLE'],
    );
    const dc = await catalog(`/catalog/tariffs/BE/BEC/T-DC?at=${T5}`);
    assert.equal(dc.body.version, 1);
  });
});

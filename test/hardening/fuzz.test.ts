// Issue 15: a seeded, bounded fuzz run over the receiver endpoints (Sessions, CDRs, Locations at
// its three levels, Tariffs; in 2.1.1, 2.2.1 and 2.3.0), /admin, /finance and /catalog: wrong types, deep nesting, NUL, lone surrogates, huge strings, extreme numbers, bad
// dates, bad URLs and cursors. Asserts: no 5xx, the OCPI envelope on every /ocpi reply, nothing
// stored that billing or the catalog cannot apply (no poison event), and billing keeps advancing.
// FUZZ_SEED and FUZZ_COUNT replay or widen a run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Logger } from '@nestjs/common';
import { BillingModule } from '@roamledger/billing';
import { CATALOG_HOST, CATALOG_PROJECTION, CatalogModule } from '@roamledger/catalog';
import { ProjectionHost, poisonEvents } from '@roamledger/projections';
import { cdr, session } from '../billing/billing-fixture';
import { connector, evse, location, tariff } from '../support/location-fixtures';
import { CPO_A, RECEIVER_ADMIN_KEY, startReceiverApp } from '../support/receiver-app';
import { encodeQueryValue, FuzzTally, fuzzKit, type Json, prng } from './fuzz-kit';

Logger.overrideLogger(['error']);

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const COUNT = Number(process.env.FUZZ_COUNT ?? 2000);
const FINANCE_KEY = 'fuzz-finance-key-0123456789abcdef';
const CATALOG_KEY = 'fuzz-catalog-key-0123456789abcdef';
const VERSIONS = ['2.1.1', '2.2.1', '2.3.0'] as const;

let harness: Awaited<ReturnType<typeof startReceiverApp>>;
before(async () => {
  harness = await startReceiverApp([], {
    env: {
      FINANCE_API_KEY: FINANCE_KEY,
      CATALOG_API_KEY: CATALOG_KEY,
      PARTNER_RATE_LIMIT: '0',
      REJECTED_EVENTS_PER_MINUTE: '100000',
    },
    imports: [BillingModule, CatalogModule],
  });
});
after(() => harness?.close());

test(`fuzz: ${COUNT} mutations (seed ${SEED}): no 5xx, the envelope on every /ocpi reply, billing advances`, async () => {
  const random = prng(SEED);
  const { pick, oddValues, mutate, rawBody } = fuzzKit(random);
  const ids = ['S1', 'S2', 'C1', 'C2', '%00', 'A%0AB', '%ZZ', '%ED%A0%80', 'x'.repeat(120), '%E2%82%AC', 'ok-1', '..', '%2F'];
  const baseSession = (id: string) =>
    session('NL*STK', id, {
      start: '2026-11-02T08:00:00Z',
      kwh: 3,
      status: 'ACTIVE',
      lastUpdated: '2026-11-02T08:00:00Z',
    }) as unknown as Json;
  const baseCdr = (id: string) =>
    cdr('NL*STK', id, {
      start: '2026-11-02T08:00:00Z',
      end: '2026-11-02T09:00:00Z',
      kwh: 3,
      excl: 1.5,
      currency: 'EUR',
    }) as unknown as Json;
  const T0 = '2026-11-02T08:00:00Z';
  // 2.1.1's Location has no party or publish, a parking `type`, and connectors with one tariff_id.
  const baseLocation = (version: string, id: string): Json => {
    const tree = location(id, T0, { evses: [evse('E1', T0)] }) as unknown as { [key: string]: Json };
    if (version !== '2.1.1') return tree;
    const { country_code: _cc, party_id: _pid, publish: _publish, ...rest } = tree;
    return { ...rest, type: 'ON_STREET', evses: [baseEvse(version, 'E1')] };
  };
  const baseEvse = (version: string, uid: string): Json => {
    const one = evse(uid, T0) as unknown as { [key: string]: Json };
    return version === '2.1.1' ? { ...one, connectors: [baseConnector(version, '1')] } : one;
  };
  const baseConnector = (version: string, id: string): Json => {
    const one = connector(id, T0) as unknown as { [key: string]: Json };
    if (version !== '2.1.1') return one;
    const { max_voltage: _v, max_amperage: _a, max_electric_power: _p, tariff_ids: _t, ...rest } = one;
    return { ...rest, voltage: 230, amperage: 32, tariff_id: 'T-AC' };
  };
  const baseTariff = (id: string): Json => tariff(id, T0, 0.3) as unknown as Json;

  const tally = new FuzzTally();
  for (let i = 0; i < COUNT; i++) {
    const kind = random();
    let method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
    let url: string;
    let payload: string | Buffer | undefined;
    let headers: Record<string, string> = { ...CPO_A };
    const id = random() < 0.7 ? `F${Math.floor(random() * 50)}` : pick(ids);
    const version = pick(VERSIONS);
    if (kind < 0.2) {
      method = pick(['PUT', 'PUT', 'PATCH', 'GET', 'DELETE'] as const);
      url = `/ocpi/emsp/${version}/sessions/NL/STK/${id}`;
      payload = method === 'GET' || method === 'DELETE' ? undefined : rawBody(mutate(baseSession(id)));
    } else if (kind < 0.38) {
      method = pick(['POST', 'POST', 'GET', 'PUT'] as const);
      url = method === 'GET' ? `/ocpi/emsp/${version}/cdrs/NL/STK/${id}` : `/ocpi/emsp/${version}/cdrs`;
      payload = method === 'GET' ? undefined : rawBody(mutate(baseCdr(id)));
    } else if (kind < 0.55) {
      method = pick(['PUT', 'PUT', 'PATCH', 'PATCH', 'GET', 'DELETE'] as const);
      const level = pick(['location', 'evse', 'connector'] as const);
      const base = `/ocpi/emsp/${version}/locations/BE/BEC/${id}`;
      url =
        level === 'location' ? base : level === 'evse' ? `${base}/${pick(['E1', ...ids])}` : `${base}/E1/${pick(['1', ...ids])}`;
      const whole =
        level === 'location'
          ? baseLocation(version, id)
          : level === 'evse'
            ? baseEvse(version, 'E1')
            : baseConnector(version, '1');
      const body =
        method === 'PATCH' ? pick<Json>([{ status: 'CHARGING', last_updated: T0 }, { last_updated: T0 }, whole]) : whole;
      payload = method === 'GET' || method === 'DELETE' ? undefined : rawBody(mutate(body));
    } else if (kind < 0.65) {
      method = pick(['PUT', 'PUT', 'PATCH', 'GET', 'DELETE'] as const);
      url = `/ocpi/emsp/${version}/tariffs/BE/BEC/${id}`;
      payload = method === 'GET' || method === 'DELETE' ? undefined : rawBody(mutate(baseTariff(id)));
    } else if (kind < 0.7) {
      method = pick(['PUT', 'POST'] as const);
      url = pick([
        `/ocpi/emsp/${version}/sessions/NL/STK/B1`,
        `/ocpi/emsp/${version}/cdrs`,
        `/ocpi/emsp/${version}/locations/BE/BEC/B1`,
      ]);
      payload = pick([Buffer.from([0xff, 0xfe, 0x7b, 0x22]), Buffer.from('{"a":"\\ud800"}'), Buffer.alloc(0), Buffer.from('[]')]);
      if (random() < 0.3) headers['content-type'] = pick(['text/plain', 'application/xml', 'application/json; charset=latin1']);
      if (random() < 0.2) headers = {};
    } else if (kind < 0.78) {
      method = pick(['GET', 'POST'] as const);
      url = `/admin/pull/${pick(['p-cpo-a', 'nobody', ...ids])}`;
      headers = { authorization: `Bearer ${random() < 0.8 ? RECEIVER_ADMIN_KEY : 'wrong'}` };
      payload = method === 'POST' ? rawBody(mutate({ from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' })) : undefined;
    } else if (kind < 0.9) {
      method = 'GET';
      const value = () =>
        encodeQueryValue(String(pick<Json>(['2026-11', '2026-13', '0000-01', 'x', '', '2026-11-01', oddValues()])));
      const cursor = pick([
        Buffer.from(JSON.stringify(['2026-11-02T09:00:00.000Z', 'NL', 'STK', 'x'])).toString('base64url'),
        Buffer.from(JSON.stringify(['x', 'NL', 'STK', 'x'])).toString('base64url'),
        Buffer.from(JSON.stringify([1, 2, 3, 4])).toString('base64url'),
        Buffer.from('not json').toString('base64url'),
        '!!!',
      ]);
      url = pick([
        `/finance/cdrs?cursor=${cursor}&limit=${value()}`,
        `/finance/cdrs?from=${value()}&to=${value()}&partner=${value()}&currency=${value()}`,
        `/finance/sessions?status=${value()}&cursor=${cursor}`,
        `/finance/statements?month=${value()}`,
        `/finance/cdrs/NL/STK/${pick(ids)}`,
        `/finance/export/cdrs.csv?from=${value()}`,
      ]);
      headers = { authorization: `Bearer ${FINANCE_KEY}` };
    } else {
      method = 'GET';
      const odd = () =>
        encodeQueryValue(
          String(pick<Json>(['BE*BEC', 'x', '', '-1', '1e308', 'NaN', '0,0,1,1', '91,181', 'AVAILABLE', oddValues()])),
        );
      url = pick([
        `/catalog/locations?partner=${odd()}&bbox=${odd()}&near=${odd()}&radius=${odd()}&limit=${odd()}`,
        `/catalog/locations?evse_status=${odd()}&connector_standard=${odd()}&min_power_kw=${odd()}&cursor=${pick(['!!!', 'e30', odd()])}`,
        `/catalog/locations/BE/BEC/${pick(ids)}`,
        `/catalog/tariffs/BE/BEC/${pick(ids)}?at=${pick(['2026-11-02T08:00:00Z', '0000-01-01T00:00:00Z', 'x', '%00'])}`,
        `/catalog/evses/BE/BEC/${pick(ids)}/E1/status-history?from=${odd()}&to=${odd()}`,
      ]);
      headers = { authorization: `Bearer ${CATALOG_KEY}`, ...(random() < 0.3 ? { accept: 'application/geo+json' } : {}) };
    }
    if (payload !== undefined && !headers['content-type'] && Object.keys(headers).length > 0) {
      headers['content-type'] = 'application/json';
    }
    tally.record(
      i,
      method,
      url,
      await harness.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) }),
    );
  }
  console.log(`# fuzz: ${COUNT} requests (seed ${SEED}): ${tally.summary()}`);
  assert.deepEqual(tally.failures.slice(0, 20), []);

  // Billing keeps advancing: a good CDR after the storm is billed, and nothing stored was poison.
  const good = await harness.app.inject({
    method: 'POST',
    url: '/ocpi/emsp/2.2.1/cdrs',
    headers: { ...CPO_A, 'content-type': 'application/json' },
    payload: JSON.stringify(baseCdr('AFTER-FUZZ')),
  });
  assert.equal(good.json().status_code, 1000);
  const host = harness.app.get(ProjectionHost);
  await host.waitFor('billing', await harness.store.headPosition(), 60_000);
  assert.deepEqual(await poisonEvents(host.db, 'billing'), []);
  // The catalog applied every location and tariff event that was accepted, too.
  const catalog = harness.app.get<ProjectionHost>(CATALOG_HOST);
  await catalog.waitFor(CATALOG_PROJECTION, await harness.store.headPosition(), 60_000);
  assert.deepEqual(await poisonEvents(catalog.db, CATALOG_PROJECTION), []);
  const [row] = await host.db.query<{ n: number }>("SELECT count(*)::int AS n FROM cdr_ledger WHERE cdr_id = 'AFTER-FUZZ'");
  assert.equal(row.n, 1);
});

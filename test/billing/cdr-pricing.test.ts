import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Module } from '@nestjs/common';
import { BillingModule, FINANCE_API_KEY_FILE, PROJECTION_DB, pricingProjection } from '@roamledger/billing';
import { EVENT_STORE, type EventStore, openPostgresClient, type SqlClient, SqlEventStore } from '@roamledger/event-store';
import type { Tariff } from '@roamledger/ocpi';
import { PRICING_ENGINE_VERSION } from '@roamledger/pricing';
import { activeBuild, ProjectionHost } from '@roamledger/projections';
import { ServiceModule } from '@roamledger/service';
import { TariffStreams } from '@roamledger/tariffs';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';
import { startTestApp, type TestApp } from '../support/test-app';
import { cdr, session, writers } from './billing-fixture';

@Module({})
class PricingTestRoot {}

/** 0.30 EUR/kWh excl. VAT, 20% VAT, per Wh (step_size 1): 10 kWh is 3.00 / 3.60. */
function tariff(id: string, pricePerKwh: number, lastUpdated: string): Tariff {
  return {
    country_code: 'DE',
    party_id: 'ABC',
    id,
    currency: 'EUR',
    elements: [{ price_components: [{ type: 'ENERGY', price: pricePerKwh, vat: 20, step_size: 1 }] }],
    last_updated: lastUpdated,
  } as unknown as Tariff;
}

const NOV = (day: number, hour: number) => `2026-11-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`;

/** A 10 kWh CDR on tariff `tariffId`, billed at `excl`/`incl`. */
function tenKwh(id: string, day: number, excl: number, incl: number, tariffId = 'T1') {
  return cdr('DE*ABC', id, { start: NOV(day, 8), end: NOV(day, 9), kwh: 10, excl, incl, currency: 'EUR', tariffId });
}

async function writeCdrs(store: EventStore): Promise<number> {
  const tariffs = new TariffStreams(store);
  const { cdrs } = writers(store);
  await tariffs.put(tariff('T1', 0.3, '2026-10-01T00:00:00Z'), {});
  await cdrs.receive(tenKwh('EXACT', 2, 3.0, 3.6));
  await cdrs.receive(tenKwh('ONE-CENT', 3, 3.01, 3.61)); // one minor unit: within the default tolerance
  await cdrs.receive(tenKwh('TWO-CENTS', 4, 3.02, 3.62)); // beyond it
  // A new price from 10 November: CDRs that started before keep the old one.
  await tariffs.put(tariff('T1', 0.4, '2026-11-10T00:00:00Z'), {});
  await cdrs.receive(tenKwh('OLD-PRICE', 9, 3.0, 3.6));
  await cdrs.receive(tenKwh('NEW-PRICE', 11, 3.0, 3.6)); // 4.00 under version 2: the CPO billed 1.00 less
  // A tariff we never received, embedded by the CPO in its CDR.
  await cdrs.receive({ ...tenKwh('EMBEDDED', 12, 6.0, 7.2, 'T9'), tariffs: [tariff('T9', 0.5, '2026-10-01T00:00:00Z')] });
  await cdrs.receive(tenKwh('NO-TARIFF', 13, 1.0, 1.2, 'T-UNKNOWN'));
  // A CDR before its tariff (a pull brings CDRs first): priced once the tariff arrives.
  await cdrs.receive(tenKwh('TARIFF-LATER', 14, 5.0, 6.0, 'T2'));
  await tariffs.put(tariff('T2', 0.5, '2026-10-01T00:00:00Z'), {});
  // An active session: 5 kWh, then 2 kWh more (a PATCH appends a period).
  const { sessions } = writers(store);
  await sessions.put({
    ...session('DE*ABC', 'LIVE', { start: NOV(5, 8), kwh: 5, status: 'ACTIVE', lastUpdated: NOV(5, 9) }),
    charging_periods: [{ start_date_time: NOV(5, 8), dimensions: [{ type: 'ENERGY', volume: 5 }], tariff_id: 'T1' }],
  } as never);
  await sessions.patch({ countryCode: 'DE', partyId: 'ABC' }, 'LIVE', {
    kwh: 7,
    charging_periods: [{ start_date_time: NOV(5, 9), dimensions: [{ type: 'ENERGY', volume: 2 }], tariff_id: 'T1' }],
    last_updated: NOV(5, 10),
  } as never);
  // kWh alone (the common PATCH): the cost so far stays, and its row is not rewritten.
  await sessions.patch({ countryCode: 'DE', partyId: 'ABC' }, 'LIVE', { kwh: 7.5, last_updated: NOV(5, 11) } as never);
  return store.headPosition();
}

describe('CDR cost check (CdrCostMismatch), shown by the finance API', () => {
  let testApp: TestApp;
  let key: string;
  const get = (url: string) => testApp.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

  before(async () => {
    testApp = await startTestApp((config) => ({
      module: PricingTestRoot,
      imports: [ServiceModule.forRoot(config), BillingModule],
    }));
    key = readFileSync(path.join(testApp.config.dataDir, FINANCE_API_KEY_FILE), 'utf8').trim();
    const head = await writeCdrs(testApp.app.get<EventStore>(EVENT_STORE));
    const host = testApp.app.get(ProjectionHost);
    await host.waitFor('billing', head, 60_000);
    await host.waitFor('pricing', head, 60_000);
  });
  after(() => testApp?.close());

  test('only the CDRs beyond the tolerance carry the finding, in both spellings of the filter', async () => {
    for (const finding of ['cdr_cost_mismatch', 'CdrCostMismatch']) {
      const response = await get(`/finance/cdrs?finding=${finding}`);
      assert.equal(response.statusCode, 200, response.body);
      const items = response.json().items as Array<Record<string, unknown>>;
      assert.deepEqual(
        items.map((item) => item.cdr_id),
        ['TWO-CENTS', 'NEW-PRICE', 'EMBEDDED'],
      );
      assert.ok(items.every((item) => (item.findings as string[]).includes('cdr_cost_mismatch')));
    }
    const all = (await get('/finance/cdrs')).json().items as Array<Record<string, unknown>>;
    const byId: Record<string, Record<string, unknown>> = Object.fromEntries(all.map((item) => [item.cdr_id, item]));
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(byId).map(([id, item]) => [
          id,
          [
            item.pricing_status,
            item.priced_excl_vat,
            item.cost_difference_excl_vat,
            item.cost_difference_incl_vat,
            item.priced_with,
          ],
        ]),
      ),
      {
        EXACT: ['priced', '3.00', '0.00', '0.00', ['T1@v1']],
        'ONE-CENT': ['priced', '3.00', '0.01', '0.01', ['T1@v1']],
        'TWO-CENTS': ['priced', '3.00', '0.02', '0.02', ['T1@v1']],
        'OLD-PRICE': ['priced', '3.00', '0.00', '0.00', ['T1@v1']],
        'NEW-PRICE': ['priced', '4.00', '-1.00', '-1.20', ['T1@v2']],
        EMBEDDED: ['priced', '5.00', '1.00', '1.20', ['T9@cdr']],
        'NO-TARIFF': ['unpriced', null, null, null, []],
        'TARIFF-LATER': ['priced', '5.00', '0.00', '0.00', ['T2@v1']],
      },
    );
    assert.ok(!(byId['ONE-CENT'].findings as string[]).includes('cdr_cost_mismatch'), 'one minor unit is within the tolerance');
  });

  test('the CDR detail explains the price line by line', async () => {
    const response = await get('/finance/cdrs/DE/ABC/TWO-CENTS');
    assert.equal(response.statusCode, 200, response.body);
    const check = response.json().cost_check;
    assert.equal(check.finding, 'cdr_cost_mismatch');
    assert.deepEqual(check.stated, { excl_vat: '3.02', incl_vat: '3.62' });
    assert.deepEqual(check.priced, { excl_vat: '3.00', incl_vat: '3.60' });
    assert.deepEqual(check.breakdown.tariffs, [{ id: 'T1', version: 1, source: 'tariffs' }]);
    assert.deepEqual(check.breakdown.costs.ENERGY, { excl_vat: '3.00', incl_vat: '3.60' });
    const [line] = check.breakdown.periods[0].lines;
    assert.deepEqual([line.dimension, line.element, line.component, line.quantity], ['ENERGY', 0, 0, '10000']);
    const unpriced = (await get('/finance/cdrs/DE/ABC/NO-TARIFF')).json().cost_check;
    assert.equal(unpriced.status, 'unpriced');
    assert.match(unpriced.reason, /T-UNKNOWN/);
  });

  test('the statement shows the disputed amount per partner (sum of the mismatch differences)', async () => {
    const response = await get('/finance/statements?month=2026-11');
    assert.equal(response.statusCode, 200, response.body);
    const [statement] = response.json().items;
    assert.equal(statement.partner, 'DE*ABC');
    assert.equal(statement.disputed_cdr_count, 3);
    assert.equal(statement.disputed_excl_vat, '0.02'); // 0.02 - 1.00 + 1.00
    assert.equal(statement.disputed_incl_vat, '0.02');
    // Our party's statement (every CDR here bills NL*RLG) carries the same disputed amounts.
    const ours = await get('/finance/statements?month=2026-11&emsp_party=NL*RLG');
    assert.equal(ours.statusCode, 200, ours.body);
    const [party] = ours.json().items;
    assert.deepEqual(
      [party.partner, party.cdr_count, party.disputed_cdr_count, party.disputed_excl_vat, party.disputed_incl_vat],
      ['DE*ABC', statement.cdr_count, 3, '0.02', '0.02'],
    );
    const other = (await get('/finance/statements?month=2026-11&emsp_party=NL*OTH')).json();
    assert.deepEqual(other.items, []);
  });

  test('an active session shows its cost so far', async () => {
    const response = await get('/finance/sessions?status=ACTIVE');
    assert.equal(response.statusCode, 200, response.body);
    const [live] = response.json().items;
    assert.equal(live.session_id, 'LIVE');
    // 7 kWh at 0.30 (version 1, in force on 5 November) + 20% VAT.
    assert.deepEqual(live.cost_so_far, { excl_vat: '2.10', incl_vat: '2.52' });
    assert.deepEqual(live.cost_so_far_tariffs, ['T1@v1']);
    assert.equal(live.energy_kwh, '7.5');
    // The row was last written by the PATCH that added a period, not by the kWh-only one after it.
    const [row] = await testApp.app
      .get<SqlClient>(PROJECTION_DB)
      .query<{ position: string }>(`SELECT position::text FROM session_pricing WHERE session_key = 'LIVE'`);
    const events = await testApp.app.get<EventStore>(EVENT_STORE).readStream('session-DE-ABC-LIVE');
    const added = events.filter((event) => event.type === 'ChargingPeriodsAdded');
    const kwhOnly = events[events.length - 1];
    assert.deepEqual(kwhOnly.data, { ...(kwhOnly.data as object), changes: { kwh: 7.5, last_updated: NOV(5, 11) } });
    assert.equal(Number(row.position), added[added.length - 1].position);
  });

  test('the exports take the same finding filter', async () => {
    const csv = await get('/finance/export/cdrs.csv?finding=cdr_cost_mismatch');
    assert.equal(csv.statusCode, 200);
    const lines = csv.body.trim().split('\r\n');
    assert.equal(lines.length, 4, 'header and three CDRs');
    assert.ok(lines[0].includes('cost_difference_excl_vat'));
    const ndjson = await get('/finance/export/cdrs.ndjson?finding=CdrCostMismatch');
    assert.deepEqual(
      ndjson.body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).cdr_id),
      ['TWO-CENTS', 'NEW-PRICE', 'EMBEDDED'],
    );
    assert.equal((await get('/finance/cdrs?finding=no%20such')).statusCode, 400);
  });
});

describe('POST /finance/price', () => {
  let testApp: TestApp;
  let key: string;
  const post = (body: unknown, authorization = `Bearer ${key}`) =>
    testApp.app.inject({
      method: 'POST',
      url: '/finance/price',
      headers: { authorization, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });

  // 2.00 EUR per started hour (step_size 3600 s, 10% VAT) from 20:00 to 06:00 Amsterdam time, 1.00 otherwise.
  const nightTariff = {
    ...tariff('NIGHT', 0, '2026-10-01T00:00:00Z'),
    elements: [
      {
        price_components: [{ type: 'TIME', price: 2, vat: 10, step_size: 3600 }],
        restrictions: { start_time: '20:00', end_time: '06:00' },
      },
      { price_components: [{ type: 'TIME', price: 1, vat: 10, step_size: 3600 }] },
    ],
  };
  const periods = [
    { start_date_time: '2026-11-03T18:30:00Z', dimensions: [{ type: 'TIME', volume: 0.5 }] }, // 19:30 local
    { start_date_time: '2026-11-03T19:00:00Z', dimensions: [{ type: 'TIME', volume: 0.25 }] }, // 20:00 local
  ];

  before(async () => {
    testApp = await startTestApp((config) => ({
      module: PricingTestRoot,
      imports: [ServiceModule.forRoot(config), BillingModule],
    }));
    key = readFileSync(path.join(testApp.config.dataDir, FINANCE_API_KEY_FILE), 'utf8').trim();
  });
  after(() => testApp?.close());

  test('charging periods in the location time zone: each period names its element, step_size on the total', async () => {
    const response = await post({
      tariff: nightTariff,
      charging_periods: periods,
      start_date_time: '2026-11-03T18:30:00Z',
      time_zone: 'Europe/Amsterdam',
    });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    // 30 min at 1.00/h = 0.50 (19:30 local); 15 min from 20:00 at 2.00/h, and the 45 min time total rounded up
    // to the started hour (the last line's step) adds 15 min to that line: 30 min at 2.00/h = 1.00.
    assert.deepEqual(body.total_cost, { excl_vat: 1.5, incl_vat: 1.65 });
    assert.deepEqual(body.total_time_cost, { excl_vat: 1.5, incl_vat: 1.65 });
    for (const field of ['total_energy_cost', 'total_parking_cost', 'total_fixed_cost']) {
      assert.deepEqual(body[field], { excl_vat: 0, incl_vat: 0 }, field);
    }
    assert.deepEqual(
      body.periods.map((period: { lines: Array<Record<string, unknown>> }) =>
        period.lines.map((line) => [line.tariff_element, line.quantity, line.billed_quantity, line.unit, line.cost]),
      ),
      [[[1, '1800', '1800', 's', { excl_vat: 0.5, incl_vat: 0.55 }]], [[0, '900', '1800', 's', { excl_vat: 1, incl_vat: 1.1 }]]],
    );
  });

  test('a CDR: its own periods, start and totals', async () => {
    const response = await post({ tariff: tariff('T1', 0.3, '2026-10-01T00:00:00Z'), cdr: tenKwh('ANY', 2, 9.99, 9.99) });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.deepEqual(body.total_cost, { excl_vat: 3, incl_vat: 3.6 });
    assert.deepEqual(body.total_energy_cost, { excl_vat: 3, incl_vat: 3.6 });
    assert.deepEqual(body.notes, ['time_zone not given: read in UTC']);
  });

  test('bad bodies are clear 400s, every problem at once; the finance key is required', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /JSON object/],
      [
        { charging_periods: periods, start_date_time: '2026-11-03T18:30:00Z', time_zone: 'Europe/Amsterdam' },
        /tariff is required/,
      ],
      [{ tariff: nightTariff }, /either cdr, or charging_periods/],
      [{ tariff: nightTariff, cdr: {}, charging_periods: periods }, /either cdr, or charging_periods/],
      [{ tariff: { ...nightTariff, currency: 12 } }, /tariff: currency/],
      [
        { tariff: nightTariff, charging_periods: periods, start_date_time: 'yesterday', time_zone: 'Mars/Olympus' },
        /start_date_time.*time_zone|time_zone.*start_date_time/s,
      ],
      [
        {
          tariff: nightTariff,
          charging_periods: [{ start_date_time: 'x', dimensions: [] }],
          start_date_time: '2026-11-03T18:30:00Z',
          time_zone: 'UTC',
        },
        /charging_periods\[0\]/,
      ],
      [{ tariff: nightTariff, cdr: { id: 'X' } }, /cdr: /],
    ];
    for (const [body, message] of cases) {
      const response = await post(body);
      assert.equal(response.statusCode, 400, `${JSON.stringify(body)} ${response.body}`);
      const text = JSON.stringify(response.json().message);
      assert.match(text, message, text);
    }
    assert.equal((await post({ tariff: nightTariff, cdr: tenKwh('A', 2, 1, 1) }, 'Bearer wrong')).statusCode, 401);
  });

  test('documented in the finance OpenAPI document', async () => {
    const doc = (await testApp.app.inject({ method: 'GET', url: '/finance/docs' })).json();
    const operation = doc.paths['/finance/price']?.post;
    assert.ok(operation, 'POST /finance/price');
    assert.ok(operation.requestBody.content['application/json'].schema.$ref.endsWith('FinancePriceRequest'));
    assert.deepEqual(Object.keys(doc.components.schemas.FinancePriceAnswer.properties).slice(0, 5), [
      'total_cost',
      'total_energy_cost',
      'total_time_cost',
      'total_parking_cost',
      'total_fixed_cost',
    ]);
  });
});

describe('a tolerance of 2 minor units, on PostgreSQL', () => {
  const schema = freshSchemaName('rl_pricing');
  let store: SqlEventStore;
  let db: SqlClient;

  before(async () => {
    store = await SqlEventStore.open('postgres', await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema }));
    db = await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema: `${schema}_p` });
    await writeCdrs(store);
  });
  after(async () => {
    await db?.close();
    await store?.close();
    await dropSchema(schema);
    await dropSchema(`${schema}_p`);
  });

  const findings = async () =>
    (
      await db.query<{ cdr_id: string; engine_version: number }>(
        'SELECT cdr_id, engine_version FROM cdr_pricing WHERE finding IS NOT NULL ORDER BY cdr_id',
      )
    ).map((row) => `${row.cdr_id}@${row.engine_version}`);

  test('two cents is within it; a new engine version rebuilds the findings beside the live ones and switches', async () => {
    const head = await store.headPosition();
    const live = new ProjectionHost(store, db, [pricingProjection({ toleranceMinorUnits: 2 })], { batchSize: 2, maxWaitMs: 2 });
    await live.start();
    await live.waitFor('pricing', head, 60_000);
    const before = await activeBuild(db, 'pricing');
    // Batches of 2: the CDR that came before its tariff waited in cdr_pricing, and was priced from there.
    const [late] = await db.query<{ status: string; tariffs: string[]; awaiting_tariff_key: string | null }>(
      `SELECT status, tariffs, awaiting_tariff_key FROM cdr_pricing WHERE cdr_id = 'TARIFF-LATER'`,
    );
    assert.deepEqual(late, { status: 'priced', tariffs: ['T2@v1'], awaiting_tariff_key: null });
    assert.deepEqual(await findings(), [`EMBEDDED@${PRICING_ENGINE_VERSION}`, `NEW-PRICE@${PRICING_ENGINE_VERSION}`]);
    await live.stop();

    const next = PRICING_ENGINE_VERSION + 1;
    const rebuilt = new ProjectionHost(store, db, [pricingProjection({ toleranceMinorUnits: 2, engineVersion: next })], {
      batchSize: 2,
      maxWaitMs: 2,
    });
    await rebuilt.start();
    await rebuilt.waitFor('pricing', head, 60_000);
    const after = await activeBuild(db, 'pricing');
    await rebuilt.stop();
    assert.notEqual(after?.build, before?.build, 'a new build serves');
    assert.deepEqual(await findings(), [`EMBEDDED@${next}`, `NEW-PRICE@${next}`]);
  });
});

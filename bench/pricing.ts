/**
 * CDRs priced per second on one core (this process's one thread) by the pricing engine, for a
 * typical 4-element tariff (start fee, day and night energy, parking by day) and CDRs of 4 charging
 * periods in Europe/Berlin spread over a year. Prints figures; asserts nothing.
 *   node -r ./tsconfig-paths-dist.js dist/bench/pricing.js
 *   BENCH_SECONDS=1 (time per round)  BENCH_ROUNDS=5 (rounds per case; the best and the median are printed)
 *   BENCH_CDRS=5000 (CDRs in the log of the cost check; 0 skips it)  BENCH_DATABASE_URL (PostgreSQL; `none` skips it)
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { billingProjection, pricingProjection } from '@roamledger/billing';
import { openPgliteClient, openPostgresClient, type SqlClient, SqlEventStore } from '@roamledger/event-store';
import type { CDR, ChargingPeriod, Tariff } from '@roamledger/ocpi';
import { CdrDimensionType, DayOfWeek, TariffDimensionType } from '@roamledger/ocpi/values';
import { cdrCostsOf, price } from '@roamledger/pricing';
import { type Projection, rebuildProjections } from '@roamledger/projections';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const TARIFF: Tariff = {
  country_code: 'DE',
  party_id: 'ALL',
  id: 'BENCH',
  currency: 'EUR',
  elements: [
    { price_components: [{ type: TariffDimensionType.FLAT, price: 0.5, vat: 19, step_size: 1 }] },
    {
      price_components: [{ type: TariffDimensionType.ENERGY, price: 0.39, vat: 19, step_size: 1 }],
      restrictions: { start_time: '07:00', end_time: '22:00' },
    },
    { price_components: [{ type: TariffDimensionType.ENERGY, price: 0.29, vat: 19, step_size: 1 }] },
    {
      price_components: [{ type: TariffDimensionType.PARKING_TIME, price: 6, vat: 19, step_size: 300 }],
      restrictions: {
        start_time: '08:00',
        end_time: '20:00',
        day_of_week: [
          DayOfWeek.MONDAY,
          DayOfWeek.TUESDAY,
          DayOfWeek.WEDNESDAY,
          DayOfWeek.THURSDAY,
          DayOfWeek.FRIDAY,
          DayOfWeek.SATURDAY,
        ],
      },
    },
  ],
  last_updated: '2026-01-01T00:00:00Z',
};

interface Cdr {
  start: string;
  periods: ChargingPeriod[];
  /** total_time in hours, as the CDR states it. */
  time: number;
}

/** A deterministic spread of sessions: 3 charging periods then parking, starting at any minute of 2026. */
function cdrs(count: number): Cdr[] {
  let seed = 42;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return Array.from({ length: count }, () => {
    const began = Date.UTC(2026, 0, 1) + next(365 * 24 * 60) * 60_000;
    let at = began;
    const start = iso(at);
    const periods: ChargingPeriod[] = [];
    for (let i = 0; i < 4; i++) {
      const minutes = 5 + next(90);
      const dimensions =
        i < 3
          ? [
              { type: CdrDimensionType.ENERGY, volume: (1 + next(30_000)) / 1000 },
              { type: CdrDimensionType.TIME, volume: Number((minutes / 60).toFixed(6)) },
              { type: CdrDimensionType.MAX_POWER, volume: 11 + next(140) },
            ]
          : [{ type: CdrDimensionType.PARKING_TIME, volume: Number((minutes / 60).toFixed(6)) }];
      periods.push({ start_date_time: iso(at), dimensions });
      at += minutes * 60_000;
    }
    return { start, periods, time: Number(((at - began) / 3_600_000).toFixed(6)) };
  });
}

interface Round {
  priced: number;
  cpuSeconds: number;
  wallSeconds: number;
}

function round(sample: Cdr[], tariffFor: (i: number) => Tariff): Round {
  let priced = 0;
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  const until = began + SECONDS * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 1000; i++) {
      const cdr = sample[(priced + i) % sample.length];
      const result = price(tariffFor(priced + i), cdr.periods, {
        startDateTime: cdr.start,
        timeZone: 'Europe/Berlin',
        totals: { time: cdr.time },
      });
      checksum += result.periods.length;
    }
    priced += 1000;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { priced, cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds: (performance.now() - began) / 1000 };
}

let checksum = 0;

/**
 * Rounds of SECONDS each; the best round is what one core does when the machine leaves it alone
 * (the others lost time to neighbours). CPU time is the whole process's, GC helper threads too.
 */
function run(label: string, sample: Cdr[], tariffFor: (i: number) => Tariff): void {
  const rounds = Array.from({ length: ROUNDS }, () => round(sample, tariffFor));
  const perCpuSecond = rounds.map((r) => r.priced / r.cpuSeconds).sort((a, b) => b - a);
  const perWallSecond = rounds.map((r) => r.priced / r.wallSeconds).sort((a, b) => b - a);
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  const median = (values: number[]) => values[Math.floor(values.length / 2)];
  console.log(
    `${label}: best ${fmt(perCpuSecond[0])} CDRs per CPU second (${(1e6 / perCpuSecond[0]).toFixed(1)} µs per CDR), ` +
      `median ${fmt(median(perCpuSecond))}; wall clock best ${fmt(perWallSecond[0])}/s, median ${fmt(median(perWallSecond))}/s`,
  );
}

/**
 * The cost check of CDRs as the hub runs it: the pricing projection (tariff history, price,
 * compare, one row per CDR) rebuilt over a log of N CDRs, beside the billing projection over the
 * same log. The CDR write path itself (POST /cdrs) does not price: the check follows the log.
 */
async function checkCost(label: string, target: SqlClient, count: number): Promise<void> {
  const store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
  await store.append('tariff-DE-ALL-BENCH', [
    { type: 'TariffPublished', data: { country_code: 'DE', party_id: 'ALL', tariff_id: 'BENCH', version: 1, tariff: TARIFF } },
  ]);
  await store.append('location-DE-ALL-LOC1', [
    {
      type: 'LocationPublished',
      data: { country_code: 'DE', party_id: 'ALL', location_id: 'LOC1', location: { time_zone: 'Europe/Berlin' } },
    },
  ]);
  const sample = cdrs(count);
  for (let i = 0; i < count; i++) {
    const cdr = cdrOf(sample[i], i);
    await store.append(`cdr-DE-ALL-B${i}`, [
      { type: 'CdrReceived', data: { country_code: 'DE', party_id: 'ALL', cdr_id: cdr.id, cdr, findings: [] } },
    ]);
  }
  const time = async (projection: Projection) => {
    const began = performance.now();
    const cpuBefore = process.cpuUsage();
    await rebuildProjections({ store, target, projections: [projection] });
    const cpu = process.cpuUsage(cpuBefore);
    return { wall: performance.now() - began, cpu: (cpu.user + cpu.system) / 1000 };
  };
  const pricing = await time(pricingProjection({ toleranceMinorUnits: 1 }));
  const billing = await time(billingProjection({ timeZone: 'UTC' }));
  const [mismatches] = await target.query<{ n: string }>(`SELECT count(*)::text AS n FROM cdr_pricing WHERE finding IS NOT NULL`);
  const per = (ms: number) => `${(ms / count).toFixed(3)} ms`;
  console.log(
    `${label}, ${count.toLocaleString('en')} CDRs: pricing projection ${per(pricing.wall)} per CDR wall (${per(pricing.cpu)} CPU, ` +
      `${Math.round((count / pricing.wall) * 1000).toLocaleString('en')} CDRs/s), billing projection ${per(billing.wall)} per CDR wall ` +
      `(${per(billing.cpu)} CPU); ${mismatches.n} CdrCostMismatch findings (every 10th CDR is billed 0.05 too much)`,
  );
  await store.close();
}

/** A CDR of a sample session, billed what the engine says (every 10th 0.05 more). */
function cdrOf(sample: Cdr, i: number): CDR {
  const result = price(TARIFF, sample.periods, {
    startDateTime: sample.start,
    timeZone: 'Europe/Berlin',
    totals: { time: sample.time },
  });
  const costs = cdrCostsOf(result);
  const excl = i % 10 === 0 ? Number((costs.total_cost.excl_vat + 0.05).toFixed(2)) : costs.total_cost.excl_vat;
  const end = new Date(Date.parse(sample.start) + sample.time * 3_600_000).toISOString();
  return {
    country_code: 'DE',
    party_id: 'ALL',
    id: `B${i}`,
    start_date_time: sample.start,
    end_date_time: end,
    session_id: `S${i}`,
    cdr_token: { country_code: 'NL', party_id: 'RLG', uid: 'T', type: 'RFID', contract_id: 'NL-RLG-C1' },
    auth_method: 'WHITELIST',
    cdr_location: {
      id: 'LOC1',
      address: 'A',
      city: 'Berlin',
      country: 'DEU',
      coordinates: { latitude: '52.5', longitude: '13.4' },
      evse_uid: 'E1',
      evse_id: 'DE*ALL*E1',
      connector_id: '1',
      connector_standard: 'IEC_62196_T2',
      connector_format: 'SOCKET',
      connector_power_type: 'AC_3_PHASE',
    },
    currency: 'EUR',
    charging_periods: sample.periods.map((period) => ({ ...period, tariff_id: 'BENCH' })),
    total_cost: { excl_vat: excl, incl_vat: costs.total_cost.incl_vat },
    total_energy: 1,
    total_time: sample.time,
    last_updated: end,
  } as unknown as CDR;
}

const sample = cdrs(10_000);
console.log(`pricing engine, typical 4-element tariff, 4 charging periods per CDR, node ${process.version}, one thread`);
// Warm-up: JIT and the zone offset cache.
run('warm-up', sample, () => TARIFF);
run('same tariff object (compiled once)', sample, () => TARIFF);
// A tariff read anew for every CDR (as from a store): compiled every time.
const copies = Array.from({ length: 50_000 }, () => structuredClone(TARIFF));
run('a fresh tariff object per CDR', sample, (i) => copies[i % copies.length]);
const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${availableParallelism()} cores`;
console.log(`${load()} (checksum ${checksum})`);

void (async () => {
  const count = Number(process.env.BENCH_CDRS ?? 5000);
  // 0: the engine alone (e.g. for a CPU profile of it).
  if (count === 0) return;
  const pglite = await openPgliteClient(undefined);
  await checkCost('cost check on PGlite', pglite, count);
  await pglite.close();
  if (DATABASE_URL !== 'none') {
    const schema = `rl_bench_pricing_${process.pid}`;
    const postgres = await openPostgresClient({ connectionString: DATABASE_URL, schema });
    try {
      await checkCost('cost check on PostgreSQL', postgres, count);
    } finally {
      await postgres.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await postgres.close();
    }
  }
  console.log(load());
})();

/**
 * CDRs priced per second on one core (this process's one thread) by the pricing engine, for a
 * typical 4-element tariff (start fee, day and night energy, parking by day) and CDRs of 4 charging
 * periods in Europe/Berlin spread over a year. Prints figures; asserts nothing.
 *   node -r ./tsconfig-paths-dist.js dist/bench/pricing.js
 *   BENCH_SECONDS=1 (time per round)  BENCH_ROUNDS=5 (rounds per case; the best and the median are printed)
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ChargingPeriod, Tariff } from '@roamledger/ocpi';
import { CdrDimensionType, DayOfWeek, TariffDimensionType } from '@roamledger/ocpi/values';
import { price } from '@roamledger/pricing';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

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

const sample = cdrs(10_000);
console.log(`pricing engine, typical 4-element tariff, 4 charging periods per CDR, node ${process.version}, one thread`);
// Warm-up: JIT and the zone offset cache.
run('warm-up', sample, () => TARIFF);
run('same tariff object (compiled once)', sample, () => TARIFF);
// A tariff read anew for every CDR (as from a store): compiled every time.
const copies = Array.from({ length: 50_000 }, () => structuredClone(TARIFF));
run('a fresh tariff object per CDR', sample, (i) => copies[i % copies.length]);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${availableParallelism()} cores (checksum ${checksum})`,
);

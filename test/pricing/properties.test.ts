// Properties of the pricing engine over generated sessions (fast-check; a failure prints its seed
// and the smallest session that breaks the property).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChargingPeriod, Tariff } from '@roamledger/ocpi';
import { DayOfWeek, OcpiDecimal, TariffDimensionType } from '@roamledger/ocpi/values';
import { COST_DIMENSIONS, type PricingResult, price } from '@roamledger/pricing';
import fc from 'fast-check';
import { periodsOf, type Step, tariffOf } from './sessions';

const D = TariffDimensionType;
const RUNS = { numRuns: 300 };

/** Start fee, day and night energy and time (07:00-22:00), parking paid by day on weekdays. */
const TYPICAL: Tariff = tariffOf([
  { price_components: [{ type: D.FLAT, price: 0.5, vat: 19, step_size: 1 }] },
  {
    price_components: [
      { type: D.ENERGY, price: 0.39, vat: 19, step_size: 1 },
      { type: D.TIME, price: 1.2, vat: 19, step_size: 60 },
    ],
    restrictions: { start_time: '07:00', end_time: '22:00' },
  },
  {
    price_components: [
      { type: D.ENERGY, price: 0.29, vat: 19, step_size: 100 },
      { type: D.TIME, price: 0.9, vat: 19, step_size: 300 },
    ],
  },
  {
    price_components: [{ type: D.PARKING_TIME, price: 6, vat: 7, step_size: 300 }],
    restrictions: {
      start_time: '08:00',
      end_time: '20:00',
      day_of_week: [DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY, DayOfWeek.THURSDAY, DayOfWeek.FRIDAY],
    },
  },
]);
const LIMITED: Tariff = { ...TYPICAL, min_price: { excl_vat: 2, incl_vat: 2.38 }, max_price: { excl_vat: 25, incl_vat: 29.75 } };

const pad = (n: number) => String(n).padStart(2, '0');
const DAYS = Object.values(DayOfWeek);

/**
 * Any tariff whose restrictions depend on the clock and the duration only (windows that may wrap past
 * midnight, days, dates, durations): such restrictions are read at a period's start, which extending
 * the last period does not move.
 */
const tariffArb: fc.Arbitrary<Tariff> = fc
  .array(
    fc.record({
      price_components: fc.array(
        fc.record({
          type: fc.constantFrom(D.FLAT, D.ENERGY, D.TIME, D.PARKING_TIME),
          price: fc.integer({ min: 0, max: 500 }).map((cents) => new OcpiDecimal(cents).div(100).toNumber()),
          vat: fc.option(fc.constantFrom(0, 7, 19, 21), { nil: undefined }),
          step_size: fc.constantFrom(0, 1, 60, 100, 300, 900, 1000),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      restrictions: fc.option(
        fc.record(
          {
            start_time: fc
              .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
              .map(([h, m]) => `${pad(h)}:${pad(m)}`),
            end_time: fc
              .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
              .map(([h, m]) => `${pad(h)}:${pad(m)}`),
            day_of_week: fc.subarray(DAYS, { minLength: 1 }),
            start_date: fc.constantFrom('2026-03-01', '2026-06-15'),
            end_date: fc.constantFrom('2026-09-01', '2026-12-31'),
            min_duration: fc.integer({ min: 0, max: 7200 }),
            max_duration: fc.integer({ min: 600, max: 36_000 }),
          },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map((elements) =>
    tariffOf(
      elements.map(({ price_components, restrictions }) => ({
        price_components: price_components.map(({ vat, ...component }) =>
          vat === undefined ? component : { ...component, vat },
        ),
        ...(restrictions ? { restrictions } : {}),
      })),
    ),
  );

/** The same, restricted only by days and dates: nothing changes within a local day. */
const dayTariffArb: fc.Arbitrary<Tariff> = tariffArb.map((tariff) => ({
  ...tariff,
  elements: tariff.elements.map(({ price_components, restrictions }) => ({
    price_components,
    ...(restrictions
      ? {
          restrictions: {
            day_of_week: restrictions.day_of_week,
            start_date: restrictions.start_date,
            end_date: restrictions.end_date,
          },
        }
      : {}),
  })),
}));

const stepArb = fc.record({
  minutes: fc.integer({ min: 1, max: 120 }),
  wh: fc.integer({ min: 0, max: 40_000 }),
  parking: fc.boolean(),
});
type GeneratedStep = { minutes: number; wh: number; parking: boolean };

const stepOf = ({ minutes, wh, parking }: GeneratedStep): Step =>
  parking ? { minutes, kind: 'parking' } : { minutes, energy: wh / 1000 };

/** Any session of 2026 in one of a few zones (with and without summer time). */
const sessionArb = fc.record({
  startMinute: fc.integer({ min: 0, max: 365 * 24 * 60 - 1 }),
  timeZone: fc.constantFrom('Europe/Berlin', 'America/New_York', 'Australia/Adelaide', 'Asia/Kolkata', 'UTC'),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 6 }),
});

function priceSession(tariff: Tariff, startMillis: number, timeZone: string, steps: GeneratedStep[]): PricingResult {
  const periods = periodsOf(new Date(startMillis).toISOString(), steps.map(stepOf));
  return price(tariff, periods, { startDateTime: periods[0].start_date_time, timeZone });
}
const YEAR_START = Date.UTC(2026, 0, 1);
const amounts = (result: PricingResult) => [result.total.exclVat.amount, result.total.inclVat.amount];

describe('pricing properties', () => {
  test('the cost never decreases when the last period is extended', () => {
    // Longer, and more of what it consumed: a period that charged no energy gets none (a first energy
    // line with a finer step_size may bill less than the rounding before it, see price.test.ts).
    fc.assert(
      fc.property(
        sessionArb,
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.oneof(fc.constantFrom(TYPICAL, LIMITED), tariffArb),
        ({ startMinute, timeZone, steps }, moreMinutes, moreWh, tariff) => {
          const start = YEAR_START + startMinute * 60_000;
          const last = steps[steps.length - 1];
          const wh = last.wh === 0 ? 0 : last.wh + moreWh;
          const longer = [...steps.slice(0, -1), { ...last, minutes: last.minutes + moreMinutes, wh }];
          const before = priceSession(tariff, start, timeZone, steps);
          const after = priceSession(tariff, start, timeZone, longer);
          assert.ok(after.subtotal.exclVat.amount.gte(before.subtotal.exclVat.amount));
          assert.ok(after.subtotal.inclVat.amount.gte(before.subtotal.inclVat.amount));
          const [exclBefore, inclBefore] = amounts(before);
          const [exclAfter, inclAfter] = amounts(after);
          assert.ok(exclAfter.gte(exclBefore), `${exclAfter} < ${exclBefore}`);
          assert.ok(inclAfter.gte(inclBefore), `${inclAfter} < ${inclBefore}`);
        },
      ),
      RUNS,
    );
  });

  test('splitting a period in two at any instant gives the same cost when no restriction boundary lies inside', () => {
    // Sessions start between 08:00 and 10:00 local time and last at most 9 hours (6 x 90 min): no
    // time window of the typical tariff opens or closes inside them, and generated tariffs here are
    // restricted by days and dates only. Zones without summer time, any weekday.
    const daytime = fc.record({
      day: fc.integer({ min: 0, max: 364 }),
      minuteOfDay: fc.integer({ min: 8 * 60, max: 10 * 60 }),
      zone: fc.constantFrom<[string, number]>(['UTC', 0], ['Asia/Tokyo', 9 * 60], ['Asia/Kolkata', 5 * 60 + 30]),
      steps: fc.array(
        fc.record({ minutes: fc.integer({ min: 2, max: 90 }), wh: fc.integer({ min: 0, max: 40_000 }), parking: fc.boolean() }),
        { minLength: 1, maxLength: 6 },
      ),
    });
    fc.assert(
      fc.property(
        daytime,
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.oneof(fc.constant(TYPICAL), dayTariffArb),
        ({ day, minuteOfDay, zone: [timeZone, offset], steps }, which, at, share, tariff) => {
          const start = YEAR_START + day * 86_400_000 + (minuteOfDay - offset) * 60_000;
          const i = which % steps.length;
          const whole = steps[i];
          const first = 1 + (at % (whole.minutes - 1));
          const firstWh = share % (whole.wh + 1);
          const split = [
            ...steps.slice(0, i),
            { ...whole, minutes: first, wh: firstWh },
            { ...whole, minutes: whole.minutes - first, wh: whole.wh - firstWh },
            ...steps.slice(i + 1),
          ];
          const once = priceSession(tariff, start, timeZone, steps);
          const twice = priceSession(tariff, start, timeZone, split);
          for (const dimension of COST_DIMENSIONS) {
            assert.ok(twice.costs[dimension].exclVat.amount.equals(once.costs[dimension].exclVat.amount), dimension);
            assert.ok(twice.costs[dimension].inclVat.amount.equals(once.costs[dimension].inclVat.amount), dimension);
          }
        },
      ),
      RUNS,
    );
  });

  test('min_price and max_price clamp the total, each of excl. and incl. VAT, and nothing else', () => {
    const limits = fc
      .tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 2000 }))
      .map(([minCents, spread, vatCents]) => {
        const cents = (n: number) => new OcpiDecimal(n).div(100).toNumber();
        return {
          min_price: { excl_vat: cents(minCents), incl_vat: cents(minCents + vatCents) },
          max_price: { excl_vat: cents(minCents + spread), incl_vat: cents(minCents + spread + vatCents) },
        };
      });
    fc.assert(
      fc.property(
        sessionArb,
        limits,
        fc.oneof(fc.constant(TYPICAL), tariffArb),
        ({ startMinute, timeZone, steps }, prices, tariff) => {
          const start = YEAR_START + startMinute * 60_000;
          const result = priceSession({ ...tariff, ...prices }, start, timeZone, steps);
          const free = priceSession(tariff, start, timeZone, steps);
          assert.ok(result.subtotal.exclVat.amount.equals(free.subtotal.exclVat.amount));
          for (const side of ['exclVat', 'inclVat'] as const) {
            const key = side === 'exclVat' ? 'excl_vat' : 'incl_vat';
            const min = new OcpiDecimal(prices.min_price[key]);
            const max = new OcpiDecimal(prices.max_price[key]);
            const subtotal = result.subtotal[side].amount;
            const expected = subtotal.lt(min) ? min : subtotal.gt(max) ? max : subtotal;
            assert.ok(
              result.total[side].amount.equals(expected),
              `${side}: ${result.total[side].amount} for ${subtotal} in [${min}, ${max}]`,
            );
            assert.equal(result.limits[side], subtotal.lt(min) ? 'MIN_PRICE' : subtotal.gt(max) ? 'MAX_PRICE' : undefined);
          }
        },
      ),
      RUNS,
    );
  });

  test('the subtotal is the sum of the lines, and the order the periods come in does not matter', () => {
    fc.assert(
      fc.property(
        sessionArb,
        fc.nat(),
        fc.oneof(fc.constant(TYPICAL), tariffArb),
        ({ startMinute, timeZone, steps }, seed, tariff) => {
          const periods = periodsOf(new Date(YEAR_START + startMinute * 60_000).toISOString(), steps.map(stepOf));
          const context = { startDateTime: periods[0].start_date_time, timeZone };
          const result = price(tariff, periods, context);
          let sum = new OcpiDecimal(0);
          for (const line of result.periods.flatMap((p) => p.lines)) sum = sum.plus(line.cost.exclVat.amount);
          // A time cost per hour over seconds may not end (0.04/h for 60 s): 40 significant digits
          // are kept, so sums in another order agree far below the minor unit.
          assert.ok(sum.minus(result.subtotal.exclVat.amount).abs().lt('1e-30'), `${sum} != ${result.subtotal.exclVat.amount}`);
          const shuffled: ChargingPeriod[] = periods.map((_, k) => periods[(k + seed) % periods.length]);
          assert.ok(price(tariff, shuffled, context).total.exclVat.amount.equals(result.total.exclVat.amount));
        },
      ),
      RUNS,
    );
  });
});

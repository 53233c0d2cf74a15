// The engine against its first version (decimal.js at every step, kept in ./reference): on any
// tariff and any charging periods both give the same result, figure for figure, note for note.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CdrDimension, ChargingPeriod, Tariff, TariffElement } from '@roamledger/ocpi';
import {
  CdrDimensionType,
  DayOfWeek,
  Money,
  OcpiDecimal,
  ReservationRestrictionType,
  TariffDimensionType,
  TariffType,
} from '@roamledger/ocpi/values';
import { type PricingContext, price } from '@roamledger/pricing';
import fc from 'fast-check';
import { referencePrice } from './reference/price';

const D = TariffDimensionType;
const RUNS = { numRuns: 1500 };
const pad = (n: number) => String(n).padStart(2, '0');

/** A decimal of up to `places` decimals between 0 and max, as the JSON number a partner sends. */
const decimal = (max: number, places: number) =>
  fc.integer({ min: 0, max: max * 10 ** places }).map((units) => new OcpiDecimal(units).div(10 ** places).toNumber());
const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => `${pad(h)}:${pad(m)}`);

const restrictionsArb = fc.record(
  {
    start_time: clock,
    end_time: clock,
    start_date: fc.constantFrom('2026-03-01', '2026-06-15'),
    end_date: fc.constantFrom('2026-09-01', '2026-12-31'),
    min_kwh: decimal(30, 2),
    max_kwh: decimal(60, 3),
    min_current: decimal(32, 1),
    max_current: decimal(64, 1),
    min_power: decimal(50, 2),
    max_power: decimal(150, 1),
    min_duration: fc.integer({ min: 0, max: 7200 }),
    max_duration: fc.integer({ min: 600, max: 36_000 }),
    day_of_week: fc.subarray(Object.values(DayOfWeek), { minLength: 1 }),
    reservation: fc.constantFrom(ReservationRestrictionType.RESERVATION, ReservationRestrictionType.RESERVATION_EXPIRES),
  },
  { requiredKeys: [] },
);

const elementArb: fc.Arbitrary<TariffElement> = fc
  .record({
    price_components: fc.array(
      fc.record({
        type: fc.constantFrom(D.FLAT, D.ENERGY, D.TIME, D.PARKING_TIME),
        price: fc.oneof(decimal(10, 2), decimal(2, 4), decimal(1, 6)),
        vat: fc.option(fc.constantFrom(0, 7, 7.7, 19, 21, 25.5), { nil: undefined }),
        step_size: fc.constantFrom(0, 1, 7, 60, 100, 300, 900, 1000),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    restrictions: fc.option(restrictionsArb, { nil: undefined }),
  })
  .map(({ price_components, restrictions }) => ({
    price_components: price_components.map(({ vat, ...component }) => (vat === undefined ? component : { ...component, vat })),
    ...(restrictions ? { restrictions } : {}),
  }));

const tariffArb: fc.Arbitrary<Tariff> = fc
  .record({
    elements: fc.array(elementArb, { minLength: 1, maxLength: 6 }),
    currency: fc.constantFrom('EUR', 'eur', 'JPY', 'KWD'),
    limits: fc.option(
      fc.record({ min: decimal(5, 2), spread: decimal(40, 2), vat: fc.option(decimal(3, 2), { nil: undefined }) }),
      { nil: undefined },
    ),
    type: fc.option(fc.constantFrom(TariffType.REGULAR, TariffType.AD_HOC_PAYMENT), { nil: undefined }),
    validity: fc.option(fc.constantFrom<[string?, string?]>(['2026-06-01T00:00:00Z'], [undefined, '2026-06-01T00:00:00Z']), {
      nil: undefined,
    }),
  })
  .map(({ elements, currency, limits, type, validity }) => {
    const sum = (a: number, b: number) => new OcpiDecimal(a).plus(b).toNumber();
    return {
      country_code: 'DE',
      party_id: 'ALL',
      id: 'T1',
      currency,
      elements,
      ...(limits
        ? {
            min_price: { excl_vat: limits.min, ...(limits.vat === undefined ? {} : { incl_vat: sum(limits.min, limits.vat) }) },
            max_price: {
              excl_vat: sum(limits.min, limits.spread),
              ...(limits.vat === undefined ? {} : { incl_vat: sum(sum(limits.min, limits.spread), limits.vat) }),
            },
          }
        : {}),
      ...(type ? { type } : {}),
      ...(validity?.[0] ? { start_date_time: validity[0] } : {}),
      ...(validity?.[1] ? { end_date_time: validity[1] } : {}),
      last_updated: '2026-01-01T00:00:00Z',
    };
  });

/** A period's volumes: what a CPO may send, to more decimals than usual too. */
const periodArb = fc.record({
  seconds: fc.integer({ min: 0, max: 3 * 3600 }),
  kind: fc.constantFrom('charging', 'charging', 'parking', 'reservation', 'energy only'),
  energy: fc.oneof(decimal(40, 3), decimal(5, 7), fc.constant(0)),
  hourDecimals: fc.constantFrom(2, 4, 6, 9),
  extra: fc.subarray(
    [
      CdrDimensionType.CURRENT,
      CdrDimensionType.MIN_CURRENT,
      CdrDimensionType.MAX_CURRENT,
      CdrDimensionType.POWER,
      CdrDimensionType.MIN_POWER,
      CdrDimensionType.MAX_POWER,
    ],
    { maxLength: 3 },
  ),
  level: decimal(150, 2),
  otherTariff: fc.boolean(),
  at: fc.integer({ min: -60, max: 60 }),
});

const sessionArb = fc.record({
  startMinute: fc.integer({ min: 0, max: 365 * 24 * 60 - 1 }),
  timeZone: fc.constantFrom('Europe/Berlin', 'America/New_York', 'Australia/Adelaide', 'Asia/Kolkata', 'UTC'),
  periods: fc.array(periodArb, { minLength: 0, maxLength: 7 }),
  totals: fc.constantFrom('none', 'exact', 'off', 'time only'),
  end: fc.option(fc.integer({ min: -600, max: 7200 }), { nil: undefined }),
  reservationExpired: fc.option(fc.boolean(), { nil: undefined }),
  tariffType: fc.option(fc.constantFrom(TariffType.REGULAR, TariffType.PROFILE_FAST), { nil: undefined }),
  shuffle: fc.nat(),
});

type Session = typeof sessionArb extends fc.Arbitrary<infer T> ? T : never;

function sessionOf(session: Session): { periods: ChargingPeriod[]; context: PricingContext } {
  const start = Date.UTC(2026, 0, 1) + session.startMinute * 60_000;
  let at = start;
  let energy = new OcpiDecimal(0);
  let hours = new OcpiDecimal(0);
  const periods = session.periods.map((p, i): ChargingPeriod => {
    const volume = new OcpiDecimal(p.seconds).div(3600).toDecimalPlaces(p.hourDecimals).toNumber();
    const dimensions: CdrDimension[] = [];
    if (p.kind === 'charging' || p.kind === 'energy only') dimensions.push({ type: CdrDimensionType.ENERGY, volume: p.energy });
    if (p.kind === 'charging') dimensions.push({ type: CdrDimensionType.TIME, volume });
    if (p.kind === 'parking') dimensions.push({ type: CdrDimensionType.PARKING_TIME, volume });
    if (p.kind === 'reservation') dimensions.push({ type: CdrDimensionType.RESERVATION_TIME, volume });
    for (const type of p.extra) dimensions.push({ type, volume: p.level });
    energy = dimensions.some((d) => d.type === CdrDimensionType.ENERGY) ? energy.plus(p.energy) : energy;
    hours = p.kind === 'charging' || p.kind === 'parking' ? hours.plus(volume) : hours;
    const period: ChargingPeriod = {
      // Now and then a start a few seconds off the previous end, as CPOs write them.
      start_date_time: new Date(at + (i % 3 === 2 ? p.at * 1000 : 0)).toISOString().replace('.000Z', 'Z'),
      dimensions,
      ...(p.otherTariff && i % 4 === 3 ? { tariff_id: 'T2' } : {}),
    };
    at += p.seconds * 1000;
    return period;
  });
  const off = (d: OcpiDecimal) => d.plus('0.0123').toNumber();
  const totals =
    session.totals === 'exact'
      ? { energy: energy.toNumber(), time: hours.toNumber() }
      : session.totals === 'off'
        ? { energy: off(energy), time: off(hours), parkingTime: 0.5 }
        : session.totals === 'time only'
          ? { time: hours.toNumber() }
          : undefined;
  const shuffled = periods.map((_, k) => periods[(k + session.shuffle) % periods.length]);
  return {
    periods: shuffled,
    context: {
      startDateTime: new Date(start).toISOString().replace('.000Z', 'Z'),
      timeZone: session.timeZone,
      ...(totals ? { totals } : {}),
      ...(session.end === undefined ? {} : { endDateTime: new Date(at + session.end * 1000).toISOString() }),
      ...(session.reservationExpired === undefined ? {} : { reservationExpired: session.reservationExpired }),
      ...(session.tariffType ? { tariffType: session.tariffType } : {}),
    },
  };
}

/** Every figure as its exact decimal text (a Decimal compares by value, not by its digits array). */
function plain(value: unknown): unknown {
  if (value instanceof Money) return `${value.amount.toString()} ${value.currency}`;
  if (OcpiDecimal.isDecimal(value)) return `decimal ${(value as OcpiDecimal).toString()}`;
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, plain(v)]),
    );
  }
  return value;
}

/** The result as plain figures, or the error it throws. */
function outcome(run: () => unknown): unknown {
  try {
    return plain(run());
  } catch (error) {
    return { error: String(error) };
  }
}

describe('the engine equals its decimal.js reference', () => {
  test('on any tariff and charging periods: every figure, line and note', () => {
    fc.assert(
      fc.property(tariffArb, sessionArb, (tariff, session) => {
        const { periods, context } = sessionOf(session);
        assert.deepStrictEqual(
          outcome(() => price(tariff, periods, context)),
          outcome(() => referencePrice(tariff, periods, context)),
        );
      }),
      RUNS,
    );
  });

  test('on the typical tariffs of the bench, over a year of sessions', () => {
    const typical: Tariff = {
      country_code: 'DE',
      party_id: 'ALL',
      id: 'T1',
      currency: 'EUR',
      elements: [
        { price_components: [{ type: D.FLAT, price: 0.5, vat: 19, step_size: 1 }] },
        {
          price_components: [
            { type: D.ENERGY, price: 0.39, vat: 19, step_size: 1 },
            { type: D.TIME, price: 1.2, vat: 19, step_size: 60 },
          ],
          restrictions: { start_time: '07:00', end_time: '22:00' },
        },
        { price_components: [{ type: D.ENERGY, price: 0.29, vat: 19, step_size: 100 }] },
        {
          price_components: [{ type: D.PARKING_TIME, price: 6, vat: 7, step_size: 300 }],
          restrictions: { start_time: '08:00', end_time: '20:00', day_of_week: [DayOfWeek.MONDAY, DayOfWeek.SATURDAY] },
        },
      ],
      last_updated: '2026-01-01T00:00:00Z',
    };
    fc.assert(
      fc.property(sessionArb, (session) => {
        const { periods, context } = sessionOf(session);
        assert.deepStrictEqual(
          outcome(() => price(typical, periods, context)),
          outcome(() => referencePrice(typical, periods, context)),
        );
      }),
      RUNS,
    );
  });
});

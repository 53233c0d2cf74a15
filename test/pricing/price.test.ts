// The pricing engine on tariffs of our own, written by the rules of mod_tariffs and mod_cdrs: these
// run without the spec's examples folder.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PriceComponent, Tariff, TariffRestrictions } from '@roamledger/ocpi';
import {
  CdrDimensionType,
  DayOfWeek,
  ReservationRestrictionType,
  TariffDimensionType,
  TariffType,
} from '@roamledger/ocpi/values';
import { cdrCostsOf, type PricingContext, type PricingResult, price } from '@roamledger/pricing';
import { periodsOf, type Step, tariffOf } from './sessions';

const D = TariffDimensionType;
const component = (type: TariffDimensionType, amount: number, step_size = 1, vat?: number): PriceComponent => ({
  type,
  price: amount,
  step_size,
  ...(vat === undefined ? {} : { vat }),
});
const element = (price_components: PriceComponent[], restrictions?: TariffRestrictions) => ({
  price_components,
  ...(restrictions ? { restrictions } : {}),
});

function priced(tariff: Tariff, start: string, steps: Step[], context: Partial<PricingContext> = {}): PricingResult {
  const periods = periodsOf(start, steps);
  return price(tariff, periods, { startDateTime: periods[0].start_date_time, timeZone: 'Europe/Berlin', ...context });
}
const exact = (result: PricingResult) => [result.total.exclVat.amount.toString(), result.total.inclVat.amount.toString()];
/** Per period: the element index of each line. */
const elementsUsed = (result: PricingResult) => result.periods.map((period) => period.lines.map((line) => line.elementIndex));

describe('step_size', () => {
  test('energy is billed in whole steps of Wh: 115.2 Wh at 0.25/kWh', () => {
    const bill = (step: number) =>
      priced(tariffOf([element([component(D.ENERGY, 0.25, step)])]), '2026-11-30T10:00:00Z', [{ minutes: 5, energy: 0.1152 }]);
    assert.equal(bill(1).total.exclVat.amount.toString(), '0.029'); // 116 Wh
    assert.equal(bill(25).total.exclVat.amount.toString(), '0.03125'); // 125 Wh
    assert.equal(bill(500).total.exclVat.amount.toString(), '0.125'); // 500 Wh
    assert.equal(bill(500).periods[0].lines[0].billedQuantity.toString(), '500');
  });

  test('a total that is a multiple of the step is not rounded; one second more costs a whole step', () => {
    const tariff = tariffOf([element([component(D.TIME, 2, 900)])]);
    const whole = priced(tariff, '2026-11-30T10:00:00Z', [{ minutes: 30 }]);
    assert.equal(whole.periods[0].lines[0].billedQuantity.toString(), '1800');
    assert.equal(whole.total.exclVat.toString(), '1.00');
    // 901 s as a CPO writes it in hours (0.250278 h): read to the second, then up to 1800 s.
    const over = price(
      tariff,
      [{ start_date_time: '2026-11-30T10:00:00Z', dimensions: [{ type: CdrDimensionType.TIME, volume: 0.250278 }] }],
      {
        startDateTime: '2026-11-30T10:00:00Z',
        timeZone: 'UTC',
      },
    );
    assert.equal(over.periods[0].lines[0].quantity.toString(), '901');
    assert.equal(over.periods[0].lines[0].billedQuantity.toString(), '1800');
    assert.equal(over.total.exclVat.toString(), '1.00');
  });

  test('the step of the last element applies to the energy total, not to the energy after the switch', () => {
    // 4.3 kWh at 0.20 before 17:00, 1.1 kWh at 0.27 after, both step 500 Wh: 5.4 kWh billed as 5.5,
    // so 1.2 kWh after 17:00: 0.86 + 0.324.
    const tariff = tariffOf([
      element([component(D.ENERGY, 0.2, 500)], { start_time: '00:00', end_time: '17:00' }),
      element([component(D.ENERGY, 0.27, 500)]),
    ]);
    const result = priced(tariff, '2026-11-30T16:00:00+01:00', [
      { minutes: 60, energy: 4.3 },
      { minutes: 30, energy: 1.1 },
    ]);
    assert.deepEqual(elementsUsed(result), [[0], [1]]);
    assert.equal(result.periods[1].lines[0].billedQuantity.toString(), '1200');
    assert.equal(result.costs.ENERGY.exclVat.amount.toString(), '1.184');
  });

  test('time: 6 min at 5/h then 22 min at 7/h, step 10 min: 24 minutes after the switch', () => {
    const tariff = tariffOf([
      element([component(D.TIME, 5, 600)], { start_time: '00:00', end_time: '17:00' }),
      element([component(D.TIME, 7, 600)]),
    ]);
    const result = priced(tariff, '2026-11-30T16:54:00+01:00', [{ minutes: 6 }, { minutes: 22 }]);
    assert.equal(result.total.exclVat.amount.toString(), '3.3');
  });

  test('charging time followed by parking: only the parking total is rounded', () => {
    // 21 min charging at 1/h and 16 min parking at 2/h, both step 10 min: 21 + 20 minutes billed.
    const tariff = tariffOf([element([component(D.TIME, 1, 600), component(D.PARKING_TIME, 2, 600)])]);
    const result = priced(tariff, '2026-11-30T10:00:00Z', [{ minutes: 21 }, { minutes: 16, kind: 'parking' }]);
    assert.equal(result.costs.TIME.exclVat.amount.toString(), '0.35');
    assert.equal(result.periods[1].lines[0].billedQuantity.toString(), '1200');
    assert.equal(result.total.exclVat.toString(), '1.02');
  });

  test('charging that resumes after parking: the charging total is rounded, the parking is not', () => {
    const tariff = tariffOf([element([component(D.TIME, 6, 600), component(D.PARKING_TIME, 12, 600)])]);
    const result = priced(tariff, '2026-11-30T10:00:00Z', [{ minutes: 10 }, { minutes: 5, kind: 'parking' }, { minutes: 3 }]);
    // TIME 13 min billed as 20 (2.00), parking 5 min as is (1.00).
    assert.equal(result.costs.TIME.exclVat.amount.toString(), '2');
    assert.equal(result.costs.PARKING_TIME.exclVat.amount.toString(), '1');
  });

  test('step_size 0 bills the exact volume; a period with no volume never carries the rounding', () => {
    const exactTariff = tariffOf([element([component(D.TIME, 6, 0)])]);
    assert.equal(priced(exactTariff, '2026-11-30T10:00:00Z', [{ minutes: 7 }]).total.exclVat.amount.toString(), '0.7');
    const stepped = tariffOf([element([component(D.TIME, 6, 300), component(D.ENERGY, 0.3, 1000)])]);
    const result = priced(stepped, '2026-11-30T10:00:00Z', [
      { minutes: 11, energy: 2.5 },
      { minutes: 0, energy: 0 },
    ]);
    assert.equal(result.periods[1].lines.length, 0);
    assert.equal(result.periods[0].lines.find((l) => l.dimension === 'TIME')?.billedQuantity.toString(), '900');
    assert.equal(result.costs.ENERGY.exclVat.amount.toString(), '0.9'); // 3000 Wh
  });

  test('the step of the last line rules, even when a finer step on a new last line bills less', () => {
    // 1 Wh at night (step 100 Wh: 100 Wh billed), then a day period: charging nothing there keeps the
    // night rounding; 1 Wh more makes the day line (step 1 Wh) the last one, and 2 Wh are billed.
    const tariff = tariffOf([
      element([component(D.ENERGY, 0.39, 1)], { start_time: '07:00', end_time: '22:00' }),
      element([component(D.ENERGY, 0.29, 100)]),
    ]);
    const bill = (energy: number) =>
      priced(tariff, '2026-11-30T06:30:00+01:00', [
        { minutes: 30, energy: 0.001 },
        { minutes: 10, energy },
      ]).total.exclVat.amount.toString();
    assert.equal(bill(0), '0.029');
    assert.equal(bill(0.001), '0.00068');
  });

  test('parking that becomes free: the rounding goes on the last priced parking period', () => {
    const tariff = tariffOf([
      element([component(D.TIME, 2.4, 900), component(D.PARKING_TIME, 1, 900)], { start_time: '08:00', end_time: '20:00' }),
      element([component(D.TIME, 2.4, 900)]),
    ]);
    const result = priced(tariff, '2026-11-30T19:40:00+01:00', [
      { minutes: 12 },
      { minutes: 8, kind: 'parking' },
      { minutes: 12, kind: 'parking' },
    ]);
    assert.equal(result.periods[1].lines[0].billedQuantity.toString(), '900');
    assert.deepEqual(
      result.periods[2].unpriced.map((u) => [u.dimension, u.volume.toString()]),
      [['PARKING_TIME', '0.2']],
    );
    assert.equal(result.total.exclVat.amount.toString(), '0.73');
  });
});

describe('time zone', () => {
  // Night 22:00-06:00 at 1/h, otherwise 3/h, in Amsterdam; summer time ends on Sunday 2026-10-25 at
  // 03:00 CEST (01:00Z), so the night from Saturday 22:00 CEST (20:00Z) to Sunday 06:00 CET (05:00Z)
  // lasts 9 hours.
  const tariff = tariffOf([
    element([component(D.TIME, 1, 60, 21)], { start_time: '22:00', end_time: '06:00' }),
    element([component(D.TIME, 3, 60, 21)]),
  ]);

  test('a window over midnight across the end of summer time, in the wall clock of the Location', () => {
    const result = priced(
      tariff,
      '2026-10-24T19:00:00Z',
      [
        { minutes: 60 }, // 21:00 CEST: day
        { minutes: 510 }, // 22:00 CEST to 05:30 CET: night
        { minutes: 30 }, // 04:30Z is 05:30 CET: still night (06:30 if the offset stayed at +02:00)
        { minutes: 60 }, // 05:00Z is 06:00 CET: day
      ],
      { timeZone: 'Europe/Amsterdam' },
    );
    assert.deepEqual(elementsUsed(result), [[1], [0], [0], [1]]);
    assert.deepEqual(exact(result), ['15', '18.15']); // 1h x 3 + 9h x 1 + 1h x 3, 21% VAT
  });

  test('the same instants in another zone fall in other windows', () => {
    const result = priced(tariff, '2026-10-24T19:00:00Z', [{ minutes: 60 }, { minutes: 510 }], { timeZone: 'Asia/Tokyo' });
    // 04:00 and 05:00 in Tokyo: both night.
    assert.deepEqual(elementsUsed(result), [[0], [0]]);
  });

  test('an unknown zone is refused before anything is priced', () => {
    assert.throws(() => priced(tariff, '2026-10-24T19:00:00Z', [{ minutes: 60 }], { timeZone: 'Europe/Atlantis' }), RangeError);
  });

  test('a day_of_week switch at local midnight in the middle of a session', () => {
    const weekly = tariffOf([
      element([component(D.TIME, 2, 60)], {
        day_of_week: [DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY, DayOfWeek.THURSDAY, DayOfWeek.FRIDAY],
      }),
      element([component(D.TIME, 1, 60)], { day_of_week: [DayOfWeek.SATURDAY, DayOfWeek.SUNDAY] }),
    ]);
    // Friday 2026-11-27 23:00 in Paris is 22:00Z; the CPO starts a period at Saturday 00:00.
    const result = priced(weekly, '2026-11-27T23:00:00+01:00', [{ minutes: 60 }, { minutes: 90 }], { timeZone: 'Europe/Paris' });
    assert.deepEqual(elementsUsed(result), [[0], [1]]);
    assert.deepEqual(exact(result), ['3.5', '3.5']);
    // In UTC both periods would be on Friday.
    const utc = priced(weekly, '2026-11-27T23:00:00+01:00', [{ minutes: 60 }, { minutes: 90 }], { timeZone: 'UTC' });
    assert.deepEqual(elementsUsed(utc), [[0], [0]]);
  });

  test('start_date is inclusive and end_date exclusive, in local dates', () => {
    const dated = tariffOf([
      element([component(D.ENERGY, 0.5)], { start_date: '2026-12-01', end_date: '2026-12-02' }),
      element([component(D.ENERGY, 0.3)]),
    ]);
    // 2026-11-30T23:30Z is already 1 December in Berlin; 2026-12-01T23:30Z is 2 December.
    const steps = [{ minutes: 60, energy: 10 }];
    assert.deepEqual(elementsUsed(priced(dated, '2026-11-30T23:30:00Z', steps)), [[0]]);
    assert.deepEqual(elementsUsed(priced(dated, '2026-11-30T23:30:00Z', steps, { timeZone: 'UTC' })), [[1]]);
    assert.deepEqual(elementsUsed(priced(dated, '2026-12-01T23:30:00Z', steps)), [[1]]);
  });

  test('start_time alone holds until midnight, end_time 00:00 means the end of the day', () => {
    const evening = tariffOf([
      element([component(D.TIME, 4, 1)], { start_time: '18:00' }),
      element([component(D.TIME, 3, 1)], { start_time: '12:00', end_time: '00:00' }),
      element([component(D.TIME, 1, 1)]),
    ]);
    const result = priced(evening, '2026-11-30T11:00:00+01:00', [
      { minutes: 60 },
      { minutes: 360 },
      { minutes: 360 },
      { minutes: 60 },
    ]);
    assert.deepEqual(elementsUsed(result), [[2], [1], [0], [2]]);
  });
});

describe('elements and restrictions', () => {
  test('per dimension the first element whose restrictions hold wins; elements without it do not hide it', () => {
    const tariff = tariffOf([
      element([component(D.FLAT, 1, 1, 20)]),
      element([component(D.TIME, 9, 1)], { max_duration: 600 }),
      element([component(D.TIME, 2, 1), component(D.ENERGY, 0.4, 1)]),
      element([component(D.TIME, 5, 1), component(D.ENERGY, 0.9, 1)]),
    ]);
    const result = priced(tariff, '2026-11-30T10:00:00Z', [
      { minutes: 10, energy: 2 },
      { minutes: 30, energy: 5 },
    ]);
    const lines = result.periods.map((p) => p.lines.map((l) => `${l.dimension}@${l.elementIndex}`));
    assert.deepEqual(lines, [
      ['FLAT@0', 'ENERGY@2', 'TIME@1'],
      ['ENERGY@2', 'TIME@2'],
    ]);
    // 1 + 7 kWh x 0.4 + 10 min x 9/h + 30 min x 2/h
    assert.equal(result.total.exclVat.amount.toString(), '6.3');
  });

  test('min_kwh and max_kwh look at the energy charged before the period', () => {
    const tariff = tariffOf([
      element([component(D.ENERGY, 0.3)], { max_kwh: 10 }),
      element([component(D.ENERGY, 0.2)], { min_kwh: 10 }),
    ]);
    const result = priced(tariff, '2026-11-30T10:00:00Z', [
      { minutes: 20, energy: 6 },
      { minutes: 20, energy: 4 },
      { minutes: 20, energy: 5 },
    ]);
    assert.deepEqual(elementsUsed(result), [[0], [0], [1]]);
    assert.equal(result.total.exclVat.amount.toString(), '4');
  });

  test('min_duration is inclusive, max_duration exclusive, from the start of the session', () => {
    const tariff = tariffOf([element([component(D.TIME, 5, 1)], { min_duration: 3600 }), element([component(D.TIME, 1, 1)])]);
    const result = priced(tariff, '2026-11-30T10:00:00Z', [{ minutes: 60 }, { minutes: 30 }]);
    assert.deepEqual(elementsUsed(result), [[1], [0]]);
    assert.equal(result.total.exclVat.amount.toString(), '3.5');
  });

  test('durations count from the start of charging, not from the reservation before it', () => {
    const tariff = tariffOf([
      element([component(D.TIME, 3, 1)], { reservation: ReservationRestrictionType.RESERVATION }),
      element([component(D.ENERGY, 0)], { max_duration: 1800 }),
      element([component(D.ENERGY, 0.4)]),
    ]);
    const result = priced(tariff, '2026-11-30T10:00:00Z', [
      { minutes: 20, kind: 'reservation' },
      { minutes: 20, energy: 5 }, // 0 to 20 minutes of charging: free
      { minutes: 20, energy: 5 }, // 20 to 40: still free
      { minutes: 20, energy: 5 }, // 40 to 60: 0.40/kWh
    ]);
    assert.deepEqual(elementsUsed(result), [[0], [1], [1], [2]]);
    assert.deepEqual(exact(result), ['3', '3']); // 20 min x 3/h + 5 kWh x 0.40
  });

  test('power: the period states it (MIN_POWER/MAX_POWER/POWER) or it is energy over charging time', () => {
    const tariff = tariffOf([element([component(D.ENERGY, 0.5)], { min_power: 50 }), element([component(D.ENERGY, 0.3)])]);
    const result = priced(tariff, '2026-11-30T10:00:00Z', [
      { minutes: 30, energy: 30 }, // 60 kW on average
      { minutes: 60, energy: 20 }, // 20 kW
      { minutes: 10, energy: 1, dimensions: { [CdrDimensionType.MIN_POWER]: 55 } },
      { minutes: 10, energy: 1, dimensions: { [CdrDimensionType.POWER]: 49.9 } },
    ]);
    assert.deepEqual(elementsUsed(result), [[0], [1], [0], [1]]);
  });

  test('current: a restriction the period says nothing about does not hold', () => {
    const tariff = tariffOf([
      element([component(D.TIME, 4, 1)], { min_current: 32 }),
      element([component(D.TIME, 2, 1)], { max_current: 32 }),
      element([component(D.TIME, 1, 1)]),
    ]);
    const result = priced(tariff, '2026-11-30T10:00:00Z', [
      { minutes: 10, dimensions: { [CdrDimensionType.MIN_CURRENT]: 32 } },
      { minutes: 10, dimensions: { [CdrDimensionType.MAX_CURRENT]: 31.9 } },
      { minutes: 10, dimensions: { [CdrDimensionType.CURRENT]: 40 } },
      { minutes: 10 },
    ]);
    assert.deepEqual(elementsUsed(result), [[0], [1], [0], [2]]);
  });

  test('VAT is per component; a component without VAT adds none', () => {
    const tariff = tariffOf([element([component(D.FLAT, 1, 1, 20), component(D.ENERGY, 0.25, 1), component(D.TIME, 1.2, 1, 9)])]);
    const result = priced(tariff, '2026-11-30T10:00:00Z', [{ minutes: 30, energy: 10 }]);
    assert.deepEqual(
      [result.costs.FLAT, result.costs.ENERGY, result.costs.TIME].map((c) => [
        c.exclVat.amount.toString(),
        c.inclVat.amount.toString(),
      ]),
      [
        ['1', '1.2'],
        ['2.5', '2.5'],
        ['0.6', '0.654'],
      ],
    );
    assert.deepEqual(exact(result), ['4.1', '4.354']);
    assert.deepEqual([result.total.exclVat.toString(), result.total.inclVat.toString()], ['4.10', '4.35']);
  });

  test('amounts round to the currency minor unit only when shown (JPY has none)', () => {
    const tariff = tariffOf([element([component(D.ENERGY, 35)])], { currency: 'JPY' });
    const result = priced(tariff, '2026-11-30T10:00:00Z', [{ minutes: 30, energy: 10.5 }]);
    assert.equal(result.total.exclVat.amount.toString(), '367.5');
    assert.equal(result.total.exclVat.toString(), '368');
  });

  test('pure: frozen inputs are priced as they are, and twice the same', () => {
    const deepFreeze = <T>(value: T): T => {
      if (value && typeof value === 'object') {
        for (const inner of Object.values(value)) deepFreeze(inner);
        Object.freeze(value);
      }
      return value;
    };
    const tariff = deepFreeze(
      tariffOf([element([component(D.FLAT, 1, 1, 20)]), element([component(D.ENERGY, 0.3, 1, 20)], { max_kwh: 5 })]),
    );
    const periods = deepFreeze(
      periodsOf('2026-11-30T10:00:00Z', [
        { minutes: 30, energy: 4 },
        { minutes: 30, energy: 4 },
      ]),
    );
    const context = deepFreeze({ startDateTime: periods[0].start_date_time, timeZone: 'Europe/Berlin' });
    const first = price(tariff, periods, context);
    assert.deepEqual(exact(first), ['3.4', '4.08']); // 1 + 8 kWh x 0.30: both periods start under 5 kWh
    assert.deepEqual(exact(price(tariff, periods, context)), exact(first));
  });

  test('periods are priced in time order and keep their index; a period of another tariff is not priced', () => {
    const tariff = tariffOf([element([component(D.FLAT, 1), component(D.TIME, 6, 1)])]);
    const [a, b, c] = periodsOf('2026-11-30T10:00:00Z', [
      { minutes: 10 },
      { minutes: 10, tariffId: 'OTHER' },
      { minutes: 10, tariffId: 'T1' },
    ]);
    const result = price(tariff, [c, a, b], { startDateTime: a.start_date_time, timeZone: 'UTC' });
    assert.deepEqual(
      result.periods.map((p) => [p.index, p.priced, p.lines.length]),
      [
        [1, true, 2],
        [2, false, 0],
        [0, true, 1],
      ],
    );
    assert.equal(result.total.exclVat.amount.toString(), '3');
  });
});

describe('min_price and max_price', () => {
  const energy = element([component(D.FLAT, 0.5, 1, 20), component(D.ENERGY, 0.25, 1, 10)]);

  test('each of excl. and incl. VAT is held on its own', () => {
    // 36 kWh: 9.50 excl., 10.50 incl.: under the excl. limit, over the incl. one.
    const tariff = tariffOf([energy], { max_price: { excl_vat: 10, incl_vat: 10.2 } });
    const result = priced(tariff, '2026-11-30T10:00:00Z', [{ minutes: 60, energy: 36 }]);
    assert.deepEqual(exact(result), ['9.5', '10.2']);
    assert.deepEqual(result.limits, { inclVat: 'MAX_PRICE' });
    assert.deepEqual([result.subtotal.exclVat.amount.toString(), result.subtotal.inclVat.amount.toString()], ['9.5', '10.5']);
  });

  test('a min_price without incl_vat holds only the amount excl. VAT', () => {
    const tariff = tariffOf([energy], { min_price: { excl_vat: 2 } });
    const result = priced(tariff, '2026-11-30T10:00:00Z', [{ minutes: 10, energy: 1 }]);
    assert.deepEqual(exact(result), ['2', '0.875']);
    assert.deepEqual(result.limits, { exclVat: 'MIN_PRICE' });
  });

  test('between the limits nothing changes', () => {
    const tariff = tariffOf([energy], { min_price: { excl_vat: 1, incl_vat: 1.2 }, max_price: { excl_vat: 50, incl_vat: 60 } });
    const result = priced(tariff, '2026-11-30T10:00:00Z', [{ minutes: 60, energy: 20 }]);
    assert.deepEqual(exact(result), ['5.5', '6.1']);
    assert.deepEqual(result.limits, {});
  });
});

describe('notes', () => {
  test('a tariff not in force, of another type, or periods that do not add up to the totals', () => {
    const tariff = tariffOf([element([component(D.ENERGY, 0.25)])], {
      type: TariffType.AD_HOC_PAYMENT,
      start_date_time: '2026-12-01T00:00:00Z',
    });
    const result = priced(tariff, '2026-11-30T10:00:00Z', [{ minutes: 60, energy: 20 }], {
      tariffType: TariffType.REGULAR,
      totals: { energy: 21, time: 1 },
    });
    assert.equal(result.notes.length, 3, result.notes.join('; '));
    assert.match(result.notes[0], /starts at 2026-12-01T00:00:00Z/);
    assert.match(result.notes[1], /AD_HOC_PAYMENT tariff, the session is REGULAR/);
    assert.match(result.notes[2], /20 of energy \(kWh\), the session states 21/);
    assert.equal(result.total.exclVat.toString(), '5.00');
    // 25 + 10 minutes written as 0.416667 + 0.166667 h against a total_time of 0.583333 h: no note.
    const clean = priced(
      tariffOf([element([component(D.ENERGY, 0.25)])]),
      '2026-11-30T10:00:00Z',
      [
        { minutes: 25, energy: 12.5 },
        { minutes: 10, energy: 7.5 },
      ],
      { totals: { energy: 20, time: 0.583333, parkingTime: 0 } },
    );
    assert.deepEqual(clean.notes, []);
  });

  test('a period that runs over a restriction boundary is priced as at its start, and said so', () => {
    const tariff = tariffOf([
      element([component(D.ENERGY, 0.2)], { start_time: '00:00', end_time: '17:00' }),
      element([component(D.ENERGY, 0.27)]),
    ]);
    // One period from 16:30 to 17:30 (the session's total time ends it): the CPO did not split at 17:00.
    const crossing = priced(tariff, '2026-11-30T16:30:00+01:00', [{ minutes: 60, energy: 10 }], { totals: { time: 1 } });
    const byEnd = priced(tariff, '2026-11-30T16:30:00+01:00', [{ minutes: 60, energy: 10 }], {
      endDateTime: '2026-11-30T16:45:00Z',
    });
    assert.deepEqual(byEnd.notes, crossing.notes);
    const endsBefore = priced(tariff, '2026-11-30T16:30:00+01:00', [{ minutes: 60, energy: 10 }], {
      endDateTime: '2026-11-30T15:59:00Z',
    });
    assert.deepEqual(endsBefore.notes, []);
    assert.equal(crossing.total.exclVat.amount.toString(), '2');
    assert.deepEqual(crossing.notes, [
      'period 0 (from 2026-11-30T15:30:00Z) crosses a restriction boundary: its ENERGY is priced by element 0 as at its start, element 1 applies at its end',
    ]);
    // Split at 17:00 as mod_cdrs asks: nothing to say.
    const split = priced(
      tariff,
      '2026-11-30T16:30:00+01:00',
      [
        { minutes: 30, energy: 5 },
        { minutes: 30, energy: 5 },
      ],
      { totals: { time: 1 } },
    );
    assert.deepEqual(split.notes, []);
    assert.equal(split.total.exclVat.amount.toString(), '2.35');
  });
});

describe('CDR cost fields', () => {
  test('each field rounded from its exact amount, the total from the exact total', () => {
    const tariff = tariffOf([
      element([component(D.FLAT, 2.5, 1, 15)]),
      element([component(D.TIME, 1, 900, 20), component(D.PARKING_TIME, 5, 300, 10)]),
    ]);
    const result = priced(tariff, '2026-11-30T09:30:00+01:00', [
      { minutes: 165, energy: 30 },
      { minutes: 42, kind: 'parking' },
    ]);
    assert.deepEqual(cdrCostsOf(result), {
      total_cost: { excl_vat: 9, incl_vat: 10.3 }, // 2.875 + 3.3 + 4.125
      total_fixed_cost: { excl_vat: 2.5, incl_vat: 2.88 },
      total_energy_cost: { excl_vat: 0, incl_vat: 0 },
      total_time_cost: { excl_vat: 2.75, incl_vat: 3.3 },
      total_parking_cost: { excl_vat: 3.75, incl_vat: 4.13 },
      total_reservation_cost: { excl_vat: 0, incl_vat: 0 },
    });
  });
});

// The pricing engine's compiled tariff as it was with decimal.js at every step (engine version 1),
// kept only as the reference the scaled-integer engine is checked against (equivalence.test.ts).
import type { PriceComponent, Tariff, TariffRestrictions } from '@roamledger/ocpi';
import { DayOfWeek, decimalOf, type OcpiDecimal, ReservationRestrictionType, TariffDimensionType } from '@roamledger/ocpi/values';
import type { LocalTime } from '@roamledger/pricing';

/** A calendar date (2015-12-24) as the day number LocalTime.day uses. */
function dayNumberOf(date: string): number {
  const utc = new Date(0);
  utc.setUTCFullYear(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  return Math.floor(utc.getTime() / 86_400_000);
}

/** What the restrictions of an element are checked against: the state at the start of a charging period. */
export interface PeriodFacts {
  local: LocalTime;
  /** Seconds since the session (or reservation) started. */
  elapsedSeconds: number;
  /** kWh charged before this period. */
  energySoFar: OcpiDecimal;
  minCurrent?: OcpiDecimal;
  maxCurrent?: OcpiDecimal;
  minPower?: OcpiDecimal;
  maxPower?: OcpiDecimal;
}

/** A price component with its amounts as decimals. */
export interface CompiledComponent {
  elementIndex: number;
  componentIndex: number;
  component: PriceComponent;
  price: OcpiDecimal;
  /** Price per Wh (ENERGY) or per fee (FLAT): exact, so the cost is one multiplication. Time has none (1/3600). */
  pricePerStepUnit?: OcpiDecimal;
  /** 1 + vat/100; 1 when the component has no VAT. */
  vatFactor: OcpiDecimal;
  stepSize: number;
}

export interface CompiledElement {
  index: number;
  reservation?: ReservationRestrictionType;
  holds: (facts: PeriodFacts) => boolean;
  /** The element's first component of each dimension (one per dimension can be active). */
  components: Partial<Record<TariffDimensionType, CompiledComponent>>;
}

/** A tariff read once: decimals parsed, restrictions turned into predicates. */
export interface CompiledTariff {
  /** Elements without a reservation restriction, in tariff order. */
  session: CompiledElement[];
  /** Reservation elements for a reservation that was used. */
  reservation: CompiledElement[];
  /** For an expired reservation: RESERVATION_EXPIRES elements first, then RESERVATION ones (mod_tariffs' note). */
  expiredReservation: CompiledElement[];
  /** Whether any element restricts current or power (else periods need not be read for them). */
  readsCurrent: boolean;
  readsPower: boolean;
  /** Whether any element restricts the energy charged so far (min_kwh, max_kwh). */
  readsEnergy: boolean;
  /** Whether any element restricts time of day, day of week, dates or duration. */
  readsClock: boolean;
}

const compiled = new WeakMap<Tariff, CompiledTariff>();

/** Compiled once per tariff object (tariffs are values: never mutated after validation). */
export function compileTariff(tariff: Tariff): CompiledTariff {
  let result = compiled.get(tariff);
  if (!result) {
    const elements = tariff.elements.map((element, index): CompiledElement => {
      const components: CompiledElement['components'] = {};
      element.price_components.forEach((component, componentIndex) => {
        const price = decimalOf(component.price);
        components[component.type] ??= {
          elementIndex: index,
          componentIndex,
          component,
          price,
          pricePerStepUnit:
            component.type === TariffDimensionType.ENERGY
              ? price.div(1000)
              : component.type === TariffDimensionType.FLAT
                ? price
                : undefined,
          vatFactor:
            component.vat === undefined || component.vat === null ? decimalOf(1) : decimalOf(component.vat).div(100).plus(1),
          stepSize: component.step_size,
        };
      });
      return { index, reservation: element.restrictions?.reservation, holds: predicateOf(element.restrictions), components };
    });
    const expires = elements.filter((e) => e.reservation === ReservationRestrictionType.RESERVATION_EXPIRES);
    const reserved = elements.filter((e) => e.reservation === ReservationRestrictionType.RESERVATION);
    result = {
      session: elements.filter((e) => !e.reservation),
      reservation: reserved,
      expiredReservation: [...expires, ...reserved],
      readsCurrent: tariff.elements.some(({ restrictions: r }) => r?.min_current !== undefined || r?.max_current !== undefined),
      readsClock: tariff.elements.some(
        ({ restrictions: r }) =>
          (r !== undefined &&
            [r.start_time, r.end_time, r.start_date, r.end_date, r.min_duration, r.max_duration].some((v) => v !== undefined)) ||
          Boolean(r?.day_of_week?.length),
      ),
      readsEnergy: tariff.elements.some(({ restrictions: r }) => r?.min_kwh !== undefined || r?.max_kwh !== undefined),
      readsPower: tariff.elements.some(({ restrictions: r }) => r?.min_power !== undefined || r?.max_power !== undefined),
    };
    compiled.set(tariff, result);
  }
  return result;
}

/** The first element of the list with a component of this dimension whose restrictions hold. */
export function activeComponent(
  elements: CompiledElement[],
  dimension: TariffDimensionType,
  facts: PeriodFacts,
): CompiledComponent | undefined {
  for (const element of elements) {
    const component = element.components[dimension];
    if (component && element.holds(facts)) return component;
  }
  return undefined;
}

function secondsOf(hourMinute: string): number {
  return Number(hourMinute.slice(0, 2)) * 3600 + Number(hourMinute.slice(3, 5)) * 60;
}

/**
 * All set restrictions must hold (logical AND). Minimums are inclusive, maximums exclusive, as
 * mod_tariffs says; a current or power restriction holds only when the period states that value.
 */
function predicateOf(restrictions: TariffRestrictions | undefined): (facts: PeriodFacts) => boolean {
  if (!restrictions) return () => true;
  const checks: ((facts: PeriodFacts) => boolean)[] = [];
  const { start_time, end_time, start_date, end_date, day_of_week } = restrictions;

  if (start_time !== undefined || end_time !== undefined) {
    const start = start_time === undefined ? 0 : secondsOf(start_time);
    // 00:00 as the end means midnight at the end of the day.
    const end = end_time === undefined || secondsOf(end_time) === 0 ? 86_400 : secondsOf(end_time);
    if (start < end) checks.push(({ local }) => local.secondOfDay >= start && local.secondOfDay < end);
    else if (start > end) checks.push(({ local }) => local.secondOfDay >= start || local.secondOfDay < end);
    // start == end: the whole day.
  }
  if (start_date !== undefined) {
    const first = dayNumberOf(start_date);
    checks.push(({ local }) => local.day >= first);
  }
  if (end_date !== undefined) {
    const end = dayNumberOf(end_date);
    checks.push(({ local }) => local.day < end);
  }
  if (day_of_week?.length) {
    const days = new Set<DayOfWeek>(day_of_week);
    checks.push(({ local }) => days.has(local.dayOfWeek));
  }
  if (restrictions.min_kwh !== undefined) {
    const min = decimalOf(restrictions.min_kwh);
    checks.push(({ energySoFar }) => energySoFar.gte(min));
  }
  if (restrictions.max_kwh !== undefined) {
    const max = decimalOf(restrictions.max_kwh);
    checks.push(({ energySoFar }) => energySoFar.lt(max));
  }
  if (restrictions.min_current !== undefined) {
    const min = decimalOf(restrictions.min_current);
    checks.push(({ minCurrent }) => minCurrent?.gte(min) === true);
  }
  if (restrictions.max_current !== undefined) {
    const max = decimalOf(restrictions.max_current);
    checks.push(({ maxCurrent }) => maxCurrent?.lt(max) === true);
  }
  if (restrictions.min_power !== undefined) {
    const min = decimalOf(restrictions.min_power);
    checks.push(({ minPower }) => minPower?.gte(min) === true);
  }
  if (restrictions.max_power !== undefined) {
    const max = decimalOf(restrictions.max_power);
    checks.push(({ maxPower }) => maxPower?.lt(max) === true);
  }
  if (restrictions.min_duration !== undefined) {
    const min = restrictions.min_duration;
    checks.push(({ elapsedSeconds }) => elapsedSeconds >= min);
  }
  if (restrictions.max_duration !== undefined) {
    const max = restrictions.max_duration;
    checks.push(({ elapsedSeconds }) => elapsedSeconds < max);
  }
  return (facts) => checks.every((check) => check(facts));
}

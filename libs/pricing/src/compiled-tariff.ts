import type { PriceComponent, Tariff, TariffRestrictions } from '@roamledger/ocpi';
import {
  type DayOfWeek,
  Money,
  type OcpiDecimal,
  ReservationRestrictionType,
  TariffDimensionType,
} from '@roamledger/ocpi/values';
import { compare, compareLevel, type Exact, exactOf, plus, type Quotient, shifted, times, toDecimal } from './exact';
import { dayNumberOf, type LocalTime } from './local-time';

/** What the restrictions of an element are checked against: the state at the start of a charging period. */
export interface PeriodFacts {
  local: LocalTime;
  /** Seconds since the session (or reservation) started. */
  elapsedSeconds: number;
  /** kWh charged before this period. */
  energySoFar: Exact;
  minCurrent?: Exact | Quotient;
  maxCurrent?: Exact | Quotient;
  minPower?: Exact | Quotient;
  maxPower?: Exact | Quotient;
}

/** A price component with its amounts as exact decimals. */
export interface CompiledComponent {
  elementIndex: number;
  componentIndex: number;
  component: PriceComponent;
  price: Exact;
  /**
   * Price per Wh (ENERGY) or per fee (FLAT): exact, so the cost is one multiplication. Time has none:
   * its cost is price x seconds / 3600, divided once per sum.
   */
  pricePerStepUnit?: Exact;
  /** 1 + vat/100; 1 when the component has no VAT. */
  vatFactor: Exact;
  /** The same as a decimal, for a time line's cost incl. VAT (its cost excl. VAT is a decimal already). */
  vatFactorDecimal: OcpiDecimal;
  /** step_size, when it is above 0. */
  step?: Exact;
  /** A FLAT component's cost, excl. and incl. VAT (immutable Money, shared by the lines that bill it). */
  flatCost?: { exclVat: Money; inclVat: Money };
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
const ONE: Exact = { units: 1, scale: 0 };

function componentOf(
  component: PriceComponent,
  elementIndex: number,
  componentIndex: number,
  currency: string,
): CompiledComponent {
  const price = exactOf(component.price);
  const vatFactor = component.vat === undefined || component.vat === null ? ONE : plus(ONE, shifted(exactOf(component.vat), -2));
  const flat = component.type === TariffDimensionType.FLAT;
  return {
    elementIndex,
    componentIndex,
    component,
    price,
    pricePerStepUnit:
      component.type === TariffDimensionType.ENERGY
        ? shifted(price, -3)
        : component.type === TariffDimensionType.FLAT
          ? price
          : undefined,
    vatFactor,
    vatFactorDecimal: toDecimal(vatFactor),
    step: component.step_size > 0 ? exactOf(component.step_size) : undefined,
    flatCost: flat
      ? { exclVat: Money.of(toDecimal(price), currency), inclVat: Money.of(toDecimal(times(price, vatFactor)), currency) }
      : undefined,
  };
}

/** Compiled once per tariff object (tariffs are values: never mutated after validation). */
export function compileTariff(tariff: Tariff): CompiledTariff {
  let result = compiled.get(tariff);
  if (!result) {
    const elements = tariff.elements.map((element, index): CompiledElement => {
      const components: CompiledElement['components'] = {};
      element.price_components.forEach((component, componentIndex) => {
        components[component.type] ??= componentOf(component, index, componentIndex, tariff.currency);
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

const exactOrUndefined = (value: number | undefined) => (value === undefined ? undefined : exactOf(value));

/**
 * All set restrictions must hold (logical AND). Minimums are inclusive, maximums exclusive, as
 * mod_tariffs says; a current or power restriction holds only when the period states that value.
 * One function of the restriction's bounds, checked in a row: an element is checked for every
 * dimension of every period.
 */
function predicateOf(restrictions: TariffRestrictions | undefined): (facts: PeriodFacts) => boolean {
  if (!restrictions) return () => true;
  const { start_time, end_time, start_date, end_date, day_of_week, min_duration, max_duration } = restrictions;
  // Time of day as [from, to) in seconds; `wraps` when the window runs past midnight.
  let from = 0;
  let to = 86_400;
  if (start_time !== undefined || end_time !== undefined) {
    from = start_time === undefined ? 0 : secondsOf(start_time);
    // 00:00 as the end means midnight at the end of the day.
    to = end_time === undefined || secondsOf(end_time) === 0 ? 86_400 : secondsOf(end_time);
    // start == end: the whole day.
    if (from === to) [from, to] = [0, 86_400];
  }
  const wraps = from > to;
  const clock = from !== 0 || to !== 86_400;
  const firstDay = start_date === undefined ? undefined : dayNumberOf(start_date);
  const endDay = end_date === undefined ? undefined : dayNumberOf(end_date);
  const days = day_of_week?.length ? new Set<DayOfWeek>(day_of_week) : undefined;
  const minKwh = exactOrUndefined(restrictions.min_kwh);
  const maxKwh = exactOrUndefined(restrictions.max_kwh);
  const minCurrent = exactOrUndefined(restrictions.min_current);
  const maxCurrent = exactOrUndefined(restrictions.max_current);
  const minPower = exactOrUndefined(restrictions.min_power);
  const maxPower = exactOrUndefined(restrictions.max_power);

  return (facts) => {
    const { local, elapsedSeconds, energySoFar } = facts;
    if (clock) {
      const second = local.secondOfDay;
      if (wraps ? second < from && second >= to : second < from || second >= to) return false;
    }
    if (firstDay !== undefined && local.day < firstDay) return false;
    if (endDay !== undefined && local.day >= endDay) return false;
    if (days && !days.has(local.dayOfWeek)) return false;
    if (minKwh && compare(energySoFar, minKwh) < 0) return false;
    if (maxKwh && compare(energySoFar, maxKwh) >= 0) return false;
    if (minCurrent && !(facts.minCurrent && compareLevel(facts.minCurrent, minCurrent) >= 0)) return false;
    if (maxCurrent && !(facts.maxCurrent && compareLevel(facts.maxCurrent, maxCurrent) < 0)) return false;
    if (minPower && !(facts.minPower && compareLevel(facts.minPower, minPower) >= 0)) return false;
    if (maxPower && !(facts.maxPower && compareLevel(facts.maxPower, maxPower) < 0)) return false;
    if (min_duration !== undefined && elapsedSeconds < min_duration) return false;
    if (max_duration !== undefined && elapsedSeconds >= max_duration) return false;
    return true;
  };
}

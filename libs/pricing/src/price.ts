import type { ChargingPeriod, PriceComponent, Tariff, TariffType } from '@roamledger/ocpi';
import { CdrDimensionType, decimalOf, Money, OcpiDecimal, parseOcpiDateTime, TariffDimensionType } from '@roamledger/ocpi/values';
import {
  activeComponent,
  type CompiledComponent,
  type CompiledElement,
  type CompiledTariff,
  compileTariff,
  type PeriodFacts,
} from './compiled-tariff';
import {
  absolute,
  compare,
  EXACT_ONE,
  EXACT_ZERO,
  type Exact,
  exactInteger,
  exactOf,
  isZero,
  minus,
  plus,
  type Quotient,
  remainder,
  roundedToInteger,
  shifted,
  sign,
  times,
  toDecimal,
} from './exact';
import { assertTimeZone, localTimeOf } from './local-time';

/** The buckets a session's cost is reported in (the CDR's total_*_cost fields). */
export type CostDimension = 'ENERGY' | 'FLAT' | 'TIME' | 'PARKING_TIME' | 'RESERVATION';
export const COST_DIMENSIONS: readonly CostDimension[] = ['ENERGY', 'FLAT', 'TIME', 'PARKING_TIME', 'RESERVATION'];

export interface PricingContext {
  /** Start of the session, or of the reservation that preceded it (the CDR's start_date_time). */
  startDateTime: string;
  /** IANA zone of the Location (Location.time_zone): every restriction is read in its wall clock. */
  timeZone: string;
  /** End of the session (the CDR's end_date_time): where the last period ends. */
  endDateTime?: string;
  /**
   * The session's totals as stated (CDR total_energy kWh, total_time and total_parking_time hours):
   * checked against the periods, and without endDateTime, total_time from the start of charging
   * ends the last period.
   */
  totals?: { energy?: number; time?: number; parkingTime?: number };
  /**
   * Whether a reservation expired without a session. When absent: a session with reservation time
   * and nothing else expired.
   */
  reservationExpired?: boolean;
  /** The kind of session (charging preference or ad-hoc), to tell when the tariff's type does not fit. */
  tariffType?: TariffType;
}

/** An amount excluding and including VAT, exact (round with Money.rounded / toString only to show it). */
export interface Cost {
  exclVat: Money;
  inclVat: Money;
}

/** One priced dimension of one charging period: which component of which element, for how much. */
export interface PricedLine {
  dimension: CostDimension;
  /** Index in tariff.elements and in that element's price_components. */
  elementIndex: number;
  componentIndex: number;
  component: PriceComponent;
  /** In the step unit: Wh for ENERGY, seconds for time dimensions, 1 for FLAT. */
  quantity: OcpiDecimal;
  /** quantity plus what step_size added (only on the line that carries the session's rounding). */
  billedQuantity: OcpiDecimal;
  cost: Cost;
}

/** A dimension a period consumed that no element prices: free, and said so. */
export interface UnpricedVolume {
  dimension: CostDimension;
  /** As the period states it: kWh, or hours. */
  volume: OcpiDecimal;
}

export interface PricedPeriod {
  /** Index in the charging periods as given. */
  index: number;
  startDateTime: string;
  /** False when the period names another tariff (tariff_id): then nothing of it is priced here. */
  priced: boolean;
  lines: PricedLine[];
  unpriced: UnpricedVolume[];
}

export interface PricingResult {
  currency: string;
  costs: Record<CostDimension, Cost>;
  /** Sum of the dimensions, before min_price and max_price. */
  subtotal: Cost;
  /** What the session costs: the subtotal held within min_price and max_price. */
  total: Cost;
  /** Which limit changed the total, for each of excl. and incl. VAT. */
  limits: { exclVat?: 'MIN_PRICE' | 'MAX_PRICE'; inclVat?: 'MIN_PRICE' | 'MAX_PRICE' };
  /** In the order of charging_periods' start times. */
  periods: PricedPeriod[];
  /** Anything that makes this price doubtful (tariff not in force, another tariff type, ...). */
  notes: string[];
}

const ZERO = new OcpiDecimal(0);
const ONE = new OcpiDecimal(1);
const WH_IN_KWH: Exact = { units: 1000, scale: 0 };
const SECONDS_IN_HOUR: Exact = { units: 3600, scale: 0 };
const MILLIS_IN_HOUR: Exact = { units: 3_600_000, scale: 0 };
// Read once: the enums are re-exported through getters.
const Cdr = CdrDimensionType;
const Dimension = TariffDimensionType;

interface Quantities {
  /** As the period states them: kWh and hours. */
  energy?: Exact;
  time?: Exact;
  parking?: Exact;
  reservation?: Exact;
  minCurrent?: Exact | Quotient;
  maxCurrent?: Exact | Quotient;
  minPower?: Exact | Quotient;
  maxPower?: Exact | Quotient;
  other: boolean;
}

function quantitiesOf(period: ChargingPeriod, tariff: CompiledTariff): Quantities {
  // Every field set at once: one object shape for all periods.
  const q: Quantities = {
    energy: undefined,
    time: undefined,
    parking: undefined,
    reservation: undefined,
    minCurrent: undefined,
    maxCurrent: undefined,
    minPower: undefined,
    maxPower: undefined,
    other: false,
  };
  let current: Exact | undefined;
  let power: Exact | Quotient | undefined;
  for (const { type, volume } of period.dimensions) {
    switch (type) {
      case Cdr.ENERGY:
        q.energy = exactOf(volume);
        break;
      case Cdr.TIME:
        q.time = exactOf(volume);
        break;
      case Cdr.PARKING_TIME:
        q.parking = exactOf(volume);
        break;
      case Cdr.RESERVATION_TIME:
        q.reservation = exactOf(volume);
        break;
      // Current and power are read only for a tariff that restricts them.
      case Cdr.MIN_CURRENT:
        if (tariff.readsCurrent) q.minCurrent = exactOf(volume);
        break;
      case Cdr.MAX_CURRENT:
        if (tariff.readsCurrent) q.maxCurrent = exactOf(volume);
        break;
      case Cdr.CURRENT:
        if (tariff.readsCurrent) current = exactOf(volume);
        break;
      case Cdr.MIN_POWER:
        if (tariff.readsPower) q.minPower = exactOf(volume);
        break;
      case Cdr.MAX_POWER:
        if (tariff.readsPower) q.maxPower = exactOf(volume);
        break;
      case Cdr.POWER:
        if (tariff.readsPower) power = exactOf(volume);
        break;
    }
  }
  // A session's average stands in for the minimum and maximum it does not state.
  q.minCurrent ??= current;
  q.maxCurrent ??= current;
  // Without any power figure, the average while charging is energy over charging time.
  if (tariff.readsPower) power ??= q.energy && q.time && !isZero(q.time) ? { dividend: q.energy, divisor: q.time } : undefined;
  q.minPower ??= power;
  q.maxPower ??= power;
  q.other = q.energy !== undefined || q.time !== undefined || q.parking !== undefined || q.reservation === undefined;
  return q;
}

/** A line while the session is priced: its quantities exact, its cost set once step_size is applied. */
interface MutableLine {
  line: PricedLine;
  compiled: CompiledComponent;
  /** In the step unit: Wh, seconds, or 1 for FLAT. */
  quantity: Exact;
  billedQuantity: Exact;
}

function lineOf(dimension: CostDimension, compiled: CompiledComponent, quantity: Exact, decimal: OcpiDecimal): MutableLine {
  const line: PricedLine = {
    dimension,
    elementIndex: compiled.elementIndex,
    componentIndex: compiled.componentIndex,
    component: compiled.component,
    quantity: decimal,
    billedQuantity: decimal,
    cost: NO_COST,
  };
  return { line, compiled, quantity, billedQuantity: quantity };
}
// Replaced by every line's own cost before price() returns.
const NO_COST = {} as Cost;

/**
 * step_size (mod_cdrs): once per session for ENERGY, once for TIME and PARKING_TIME together, once
 * for reservation time. The step of the last priced line applies to the total of its dimension,
 * and what the rounding adds is billed on that last line.
 */
function applyStep(lines: MutableLine[]): void {
  let last: MutableLine | undefined;
  for (const mutable of lines) if (sign(mutable.quantity) > 0) last = mutable;
  const step = last?.compiled.step;
  if (!last || !step) return;
  const dimension = last.line.dimension;
  let total = EXACT_ZERO;
  for (const other of lines) if (other.line.dimension === dimension) total = plus(total, other.quantity);
  if (sign(total) <= 0) return;
  const rest = remainder(total, step);
  if (isZero(rest)) return;
  last.billedQuantity = minus(plus(last.quantity, step), rest);
  last.line.billedQuantity = toDecimal(last.billedQuantity);
}

/**
 * Sums excl. and incl. VAT exactly. Time costs (a price per hour over seconds) may not end as
 * decimals: they are summed as price x seconds and divided by 3600 once, in decimal.js, so a total
 * that is a finite decimal comes out exact whatever its lines.
 */
class CostSum {
  exclVat = EXACT_ZERO;
  inclVat = EXACT_ZERO;
  exclVatPerHour = EXACT_ZERO;
  inclVatPerHour = EXACT_ZERO;
  lines = 0;
  /** The cost of the one line when the sum holds just one that is not time: its sum is that cost. */
  only?: Cost;

  /** Sets the line's cost and adds it. */
  add({ line, compiled, billedQuantity }: MutableLine, currency: string): void {
    this.lines++;
    if (compiled.pricePerStepUnit) {
      const exclVat = times(compiled.pricePerStepUnit, billedQuantity);
      const inclVat = times(exclVat, compiled.vatFactor);
      // A FLAT fee is always one: its cost is read once per tariff.
      line.cost = compiled.flatCost
        ? { ...compiled.flatCost }
        : { exclVat: Money.of(toDecimal(exclVat), currency), inclVat: Money.of(toDecimal(inclVat), currency) };
      this.only = this.lines === 1 ? line.cost : undefined;
      this.exclVat = plus(this.exclVat, exclVat);
      this.inclVat = plus(this.inclVat, inclVat);
    } else {
      const perHour = times(compiled.price, billedQuantity);
      // The line's own cost, as a driver reads it: excl. VAT to 40 digits, and VAT on that.
      const exclVat = toDecimal(perHour).div(3600);
      line.cost = { exclVat: Money.of(exclVat, currency), inclVat: Money.of(exclVat.times(compiled.vatFactorDecimal), currency) };
      this.only = undefined;
      this.exclVatPerHour = plus(this.exclVatPerHour, perHour);
      this.inclVatPerHour = plus(this.inclVatPerHour, times(perHour, compiled.vatFactor));
    }
  }

  addSum(sum: CostSum): void {
    if (sum.lines === 0) return;
    this.only = this.lines === 0 ? sum.only : undefined;
    this.lines += sum.lines;
    this.exclVat = plus(this.exclVat, sum.exclVat);
    this.inclVat = plus(this.inclVat, sum.inclVat);
    this.exclVatPerHour = plus(this.exclVatPerHour, sum.exclVatPerHour);
    this.inclVatPerHour = plus(this.inclVatPerHour, sum.inclVatPerHour);
  }

  toCost(currency: string): Cost {
    if (this.only) return { exclVat: this.only.exclVat, inclVat: this.only.inclVat };
    return {
      exclVat: Money.of(amountOf(this.exclVat, this.exclVatPerHour), currency),
      inclVat: Money.of(amountOf(this.inclVat, this.inclVatPerHour), currency),
    };
  }
}

function amountOf(exact: Exact, perHour: Exact): OcpiDecimal {
  if (isZero(perHour)) return isZero(exact) ? ZERO : toDecimal(exact);
  const time = toDecimal(perHour).div(3600);
  return isZero(exact) ? time : toDecimal(exact).plus(time);
}

function clamp(
  amount: Money,
  min: number | undefined,
  max: number | undefined,
): { amount: Money; limit?: 'MIN_PRICE' | 'MAX_PRICE' } {
  if (min !== undefined && min !== null && amount.amount.lt(decimalOf(min))) {
    return { amount: Money.of(min, amount.currency), limit: 'MIN_PRICE' };
  }
  if (max !== undefined && max !== null && amount.amount.gt(decimalOf(max))) {
    return { amount: Money.of(max, amount.currency), limit: 'MAX_PRICE' };
  }
  return { amount };
}

/**
 * The cost of a session (or CDR) under an OCPI 2.2.1 tariff, per dimension and per charging period.
 *
 * Restrictions are checked at the start of each period (a CPO starts a new period whenever another
 * price component becomes active, mod_cdrs), in the Location's wall clock. Per dimension the first
 * element with a component of that dimension whose restrictions hold is used. Reservation elements
 * price only reservation time (and their FLAT fee); the other elements price the session.
 */
export function price(tariff: Tariff, chargingPeriods: readonly ChargingPeriod[], context: PricingContext): PricingResult {
  assertTimeZone(context.timeZone);
  const currency = tariff.currency.toUpperCase();
  const compiled = compileTariff(tariff);
  const sessionStart = parseOcpiDateTime(context.startDateTime).getTime();
  const notes = notesOf(tariff, context, sessionStart);

  const ordered = chargingPeriods
    .map((period, index) => ({ period, index, start: parseOcpiDateTime(period.start_date_time).getTime() }))
    .sort((a, b) => a.start - b.start || a.index - b.index);
  const quantities = ordered.map(({ period }) => quantitiesOf(period, compiled));
  const firstSession = quantities.findIndex((q) => q.other);
  const hasSession = firstSession >= 0;
  // Durations (min/max_duration) count from the start of charging, not of the reservation before it.
  const chargingStart = hasSession ? ordered[firstSession].start : sessionStart;
  const statedTime = context.totals?.time;
  const sessionEnd = context.endDateTime
    ? parseOcpiDateTime(context.endDateTime).getTime()
    : statedTime === undefined || statedTime === null
      ? undefined
      : chargingStart + Number(roundedToInteger(times(exactOf(statedTime), MILLIS_IN_HOUR)).units);
  const hasReservation = quantities.some((q) => q.reservation !== undefined);
  const expired = context.reservationExpired ?? (hasReservation && !hasSession);
  const reservationElements = expired ? compiled.expiredReservation : compiled.reservation;

  const energyLines: MutableLine[] = [];
  const timeLines: MutableLine[] = [];
  const reservationLines: MutableLine[] = [];
  const allLines: MutableLine[] = [];
  let sessionFlat: MutableLine | undefined;
  let reservationFlat: MutableLine | undefined;
  let energySoFar = EXACT_ZERO;
  const periods: PricedPeriod[] = [];

  ordered.forEach(({ period, index, start }, at) => {
    const q = quantities[at];
    const priced: PricedPeriod = {
      index,
      startDateTime: period.start_date_time,
      priced: period.tariff_id === undefined || period.tariff_id === null || period.tariff_id === tariff.id,
      lines: [],
      unpriced: [],
    };
    periods.push(priced);
    const facts: PeriodFacts = {
      local: localTimeOf(start, context.timeZone),
      elapsedSeconds: Math.floor((start - (q.other ? chargingStart : sessionStart)) / 1000),
      energySoFar,
      minCurrent: q.minCurrent,
      maxCurrent: q.maxCurrent,
      minPower: q.minPower,
      maxPower: q.maxPower,
    };
    if (q.energy && compiled.readsEnergy) energySoFar = plus(energySoFar, q.energy);
    if (!priced.priced) return;
    // The last second of the period: it ends where the next one starts, the last one when the session ends.
    const end = at + 1 < ordered.length ? ordered[at + 1].start : sessionEnd;
    const lastInstant = end !== undefined && end - 1000 > start ? end - 1000 : undefined;
    let factsAtEnd: PeriodFacts | undefined;

    const measure = (
      elements: CompiledElement[],
      type: TariffDimensionType,
      dimension: CostDimension,
      volume: Exact | undefined,
      into: MutableLine[],
    ) => {
      if (volume === undefined || isZero(volume)) return;
      const component = activeComponent(elements, type, facts);
      if (!component) {
        priced.unpriced.push({ dimension, volume: toDecimal(volume) });
        return;
      }
      // Hours are read to the second: 35 minutes sent as 0.583333 or 0.583334 h are 2100 s, not 2100.0024 s.
      const quantity = dimension === 'ENERGY' ? shifted(volume, 3) : roundedToInteger(times(volume, SECONDS_IN_HOUR));
      const mutable = lineOf(dimension, component, quantity, toDecimal(quantity));
      priced.lines.push(mutable.line);
      allLines.push(mutable);
      into.push(mutable);
      if (lastInstant !== undefined && compiled.readsClock) {
        // A CPO starts a new period where another component becomes active (mod_cdrs); say when it did not.
        factsAtEnd ??= {
          ...facts,
          local: localTimeOf(lastInstant, context.timeZone),
          elapsedSeconds: Math.floor((lastInstant - (q.other ? chargingStart : sessionStart)) / 1000),
        };
        const atEnd = activeComponent(elements, type, factsAtEnd);
        if (atEnd !== component) {
          notes.push(
            `period ${index} (from ${period.start_date_time}) crosses a restriction boundary: its ${dimension} is priced by ` +
              `element ${component.elementIndex} as at its start, element ${atEnd?.elementIndex ?? 'none'} applies at its end`,
          );
        }
      }
    };
    // Reservation comes before the session it leads to; charging before parking within a period.
    if (q.reservation !== undefined) {
      if (!reservationFlat) {
        const flat = activeComponent(reservationElements, Dimension.FLAT, facts);
        reservationFlat = flat && lineOf('RESERVATION', flat, EXACT_ONE, ONE);
        if (reservationFlat) {
          priced.lines.push(reservationFlat.line);
          allLines.push(reservationFlat);
        }
      }
      measure(reservationElements, Dimension.TIME, 'RESERVATION', q.reservation, reservationLines);
    }
    if (q.other && !sessionFlat) {
      const flat = activeComponent(compiled.session, Dimension.FLAT, facts);
      sessionFlat = flat && lineOf('FLAT', flat, EXACT_ONE, ONE);
      if (sessionFlat) {
        priced.lines.push(sessionFlat.line);
        allLines.push(sessionFlat);
      }
    }
    measure(compiled.session, Dimension.ENERGY, 'ENERGY', q.energy, energyLines);
    measure(compiled.session, Dimension.TIME, 'TIME', q.time, timeLines);
    measure(compiled.session, Dimension.PARKING_TIME, 'PARKING_TIME', q.parking, timeLines);
  });

  notes.push(...totalsNotes(context, quantities));
  applyStep(energyLines);
  applyStep(timeLines);
  applyStep(reservationLines);

  const sums: Record<CostDimension, CostSum> = {
    ENERGY: new CostSum(),
    FLAT: new CostSum(),
    TIME: new CostSum(),
    PARKING_TIME: new CostSum(),
    RESERVATION: new CostSum(),
  };
  for (const mutable of allLines) sums[mutable.line.dimension].add(mutable, currency);
  const all = new CostSum();
  for (const dimension of COST_DIMENSIONS) all.addSum(sums[dimension]);
  const costs: Record<CostDimension, Cost> = {
    ENERGY: sums.ENERGY.toCost(currency),
    FLAT: sums.FLAT.toCost(currency),
    TIME: sums.TIME.toCost(currency),
    PARKING_TIME: sums.PARKING_TIME.toCost(currency),
    RESERVATION: sums.RESERVATION.toCost(currency),
  };
  const subtotal = all.toCost(currency);
  const exclVat = clamp(subtotal.exclVat, tariff.min_price?.excl_vat, tariff.max_price?.excl_vat);
  const inclVat = clamp(subtotal.inclVat, tariff.min_price?.incl_vat, tariff.max_price?.incl_vat);
  return {
    currency,
    costs,
    subtotal,
    total: { exclVat: exclVat.amount, inclVat: inclVat.amount },
    limits: { ...(exclVat.limit ? { exclVat: exclVat.limit } : {}), ...(inclVat.limit ? { inclVat: inclVat.limit } : {}) },
    periods,
    notes,
  };
}

function notesOf(tariff: Tariff, context: PricingContext, sessionStart: number): string[] {
  const notes: string[] = [];
  if (tariff.start_date_time && parseOcpiDateTime(tariff.start_date_time).getTime() > sessionStart) {
    notes.push(`tariff ${tariff.id} starts at ${tariff.start_date_time}, after the session started`);
  }
  if (tariff.end_date_time && parseOcpiDateTime(tariff.end_date_time).getTime() <= sessionStart) {
    notes.push(`tariff ${tariff.id} ended at ${tariff.end_date_time}, before the session started`);
  }
  if (tariff.type && context.tariffType && tariff.type !== context.tariffType) {
    notes.push(`tariff ${tariff.id} is a ${tariff.type} tariff, the session is ${context.tariffType}`);
  }
  return notes;
}

/**
 * Where the periods do not add up to the totals the session states, beyond what writing each
 * period's volume to a few decimals explains (1 Wh and 1 second per period).
 */
function totalsNotes(context: PricingContext, quantities: Quantities[]): string[] {
  const totals = context.totals;
  if (!totals) return [];
  let energy = EXACT_ZERO;
  let time = EXACT_ZERO;
  let parking = EXACT_ZERO;
  for (const q of quantities) {
    if (q.energy) energy = plus(energy, q.energy);
    if (q.time) time = plus(time, q.time);
    if (q.parking) parking = plus(parking, q.parking);
  }
  const notes: string[] = [];
  const periods = exactInteger(quantities.length);
  /** Beyond one unit (1 Wh: 1000 per kWh, 1 s: 3600 per hour) per period. */
  const check = (label: string, stated: number | undefined, sum: Exact, unitsPerVolume: Exact) => {
    if (stated === undefined || stated === null) return;
    const difference = absolute(minus(sum, exactOf(stated)));
    if (compare(times(difference, unitsPerVolume), periods) > 0) {
      notes.push(`the periods hold ${toDecimal(sum)} of ${label}, the session states ${stated}`);
    }
  };
  check('energy (kWh)', totals.energy, energy, WH_IN_KWH);
  check('charging and parking time (h)', totals.time, plus(time, parking), SECONDS_IN_HOUR);
  check('parking time (h)', totals.parkingTime, parking, SECONDS_IN_HOUR);
  return notes;
}

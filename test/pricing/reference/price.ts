// The pricing engine as it was with decimal.js at every step (engine version 1), kept only as the
// reference the scaled-integer engine is checked against (equivalence.test.ts).
import type { ChargingPeriod, Tariff } from '@roamledger/ocpi';
import { CdrDimensionType, decimalOf, Money, OcpiDecimal, parseOcpiDateTime, TariffDimensionType } from '@roamledger/ocpi/values';
import {
  COST_DIMENSIONS,
  type Cost,
  type CostDimension,
  localTimeOf,
  type PricedLine,
  type PricedPeriod,
  type PricingContext,
  type PricingResult,
} from '@roamledger/pricing';
import {
  activeComponent,
  type CompiledComponent,
  type CompiledElement,
  type CompiledTariff,
  compileTariff,
  type PeriodFacts,
} from './compiled-tariff';

const assertTimeZone = (timeZone: string) => localTimeOf(0, timeZone);

const ZERO = new OcpiDecimal(0);
const ONE = new OcpiDecimal(1);
const WH_IN_KWH = new OcpiDecimal('0.001');
const SECOND_IN_HOURS = new OcpiDecimal(1).div(3600);
const UNIT: Record<string, number> = { ENERGY: 1000, TIME: 3600, PARKING_TIME: 3600, RESERVATION: 3600 };

interface Quantities {
  energy?: OcpiDecimal;
  time?: OcpiDecimal;
  parking?: OcpiDecimal;
  reservation?: OcpiDecimal;
  minCurrent?: OcpiDecimal;
  maxCurrent?: OcpiDecimal;
  minPower?: OcpiDecimal;
  maxPower?: OcpiDecimal;
  other: boolean;
}

function quantitiesOf(period: ChargingPeriod, tariff: CompiledTariff): Quantities {
  const q: Quantities = { other: false };
  let current: OcpiDecimal | undefined;
  let power: OcpiDecimal | undefined;
  for (const { type, volume } of period.dimensions) {
    switch (type) {
      case CdrDimensionType.ENERGY:
        q.energy = decimalOf(volume);
        break;
      case CdrDimensionType.TIME:
        q.time = decimalOf(volume);
        break;
      case CdrDimensionType.PARKING_TIME:
        q.parking = decimalOf(volume);
        break;
      case CdrDimensionType.RESERVATION_TIME:
        q.reservation = decimalOf(volume);
        break;
      // Current and power are read only for a tariff that restricts them.
      case CdrDimensionType.MIN_CURRENT:
        if (tariff.readsCurrent) q.minCurrent = decimalOf(volume);
        break;
      case CdrDimensionType.MAX_CURRENT:
        if (tariff.readsCurrent) q.maxCurrent = decimalOf(volume);
        break;
      case CdrDimensionType.CURRENT:
        if (tariff.readsCurrent) current = decimalOf(volume);
        break;
      case CdrDimensionType.MIN_POWER:
        if (tariff.readsPower) q.minPower = decimalOf(volume);
        break;
      case CdrDimensionType.MAX_POWER:
        if (tariff.readsPower) q.maxPower = decimalOf(volume);
        break;
      case CdrDimensionType.POWER:
        if (tariff.readsPower) power = decimalOf(volume);
        break;
    }
  }
  // A session's average stands in for the minimum and maximum it does not state.
  q.minCurrent ??= current;
  q.maxCurrent ??= current;
  // Without any power figure, the average while charging is energy over charging time.
  if (tariff.readsPower) power ??= q.energy && q.time && !q.time.isZero() ? q.energy.div(q.time) : undefined;
  q.minPower ??= power;
  q.maxPower ??= power;
  q.other = q.energy !== undefined || q.time !== undefined || q.parking !== undefined || q.reservation === undefined;
  return q;
}

/** A line while the session is priced: its component compiled, its cost still open to step_size. */
interface MutableLine {
  line: PricedLine;
  compiled: CompiledComponent;
}

function costOf(compiled: CompiledComponent, quantity: OcpiDecimal, unit: number, currency: string): Cost {
  // Multiply before dividing, so a cost that is a finite decimal comes out exact.
  const exclVat = compiled.pricePerStepUnit?.times(quantity) ?? compiled.price.times(quantity).div(unit);
  return { exclVat: Money.of(exclVat, currency), inclVat: Money.of(exclVat.times(compiled.vatFactor), currency) };
}

function lineOf(
  dimension: CostDimension,
  compiled: CompiledComponent,
  quantity: OcpiDecimal,
  unit: number,
  currency: string,
): MutableLine {
  const line: PricedLine = {
    dimension,
    elementIndex: compiled.elementIndex,
    componentIndex: compiled.componentIndex,
    component: compiled.component,
    quantity,
    billedQuantity: quantity,
    cost: costOf(compiled, quantity, unit, currency),
  };
  return { line, compiled };
}

/**
 * step_size (mod_cdrs): once per session for ENERGY, once for TIME and PARKING_TIME together, once
 * for reservation time. The step of the last priced line applies to the total of its dimension,
 * and what the rounding adds is billed on that last line.
 */
function applyStep(lines: MutableLine[], currency: string): void {
  let last: MutableLine | undefined;
  for (const mutable of lines) if (mutable.line.quantity.gt(0)) last = mutable;
  if (!last || last.compiled.stepSize <= 0) return;
  const { line, compiled } = last;
  let total = ZERO;
  for (const { line: other } of lines) if (other.dimension === line.dimension) total = total.plus(other.quantity);
  if (!total.gt(0)) return;
  const remainder = total.mod(compiled.stepSize);
  if (remainder.isZero()) return;
  line.billedQuantity = line.quantity.plus(compiled.stepSize).minus(remainder);
  line.cost = costOf(compiled, line.billedQuantity, UNIT[line.dimension], currency);
}

/**
 * Sums excl. and incl. VAT as bare decimals, Money only for the result. Time costs (a price per hour
 * over seconds) may not end as decimals: they are summed as price x seconds and divided by 3600 once,
 * so a total that is a finite decimal comes out exact whatever its lines.
 */
class CostSum {
  private exclVat: OcpiDecimal = ZERO;
  private inclVat: OcpiDecimal = ZERO;
  private exclVatPerHour: OcpiDecimal = ZERO;
  private inclVatPerHour: OcpiDecimal = ZERO;

  add({ line, compiled }: MutableLine): void {
    if (compiled.pricePerStepUnit) {
      this.exclVat = this.exclVat.plus(line.cost.exclVat.amount);
      this.inclVat = this.inclVat.plus(line.cost.inclVat.amount);
    } else {
      const perHour = compiled.price.times(line.billedQuantity);
      this.exclVatPerHour = this.exclVatPerHour.plus(perHour);
      this.inclVatPerHour = this.inclVatPerHour.plus(perHour.times(compiled.vatFactor));
    }
  }

  addSum(sum: CostSum): void {
    this.exclVat = this.exclVat.plus(sum.exclVat);
    this.inclVat = this.inclVat.plus(sum.inclVat);
    this.exclVatPerHour = this.exclVatPerHour.plus(sum.exclVatPerHour);
    this.inclVatPerHour = this.inclVatPerHour.plus(sum.inclVatPerHour);
  }

  isZero(): boolean {
    return this.exclVat.isZero() && this.inclVat.isZero() && this.exclVatPerHour.isZero() && this.inclVatPerHour.isZero();
  }

  toCost(currency: string): Cost {
    const exclVat = this.exclVatPerHour.isZero() ? this.exclVat : this.exclVat.plus(this.exclVatPerHour.div(3600));
    const inclVat = this.inclVatPerHour.isZero() ? this.inclVat : this.inclVat.plus(this.inclVatPerHour.div(3600));
    return { exclVat: Money.of(exclVat, currency), inclVat: Money.of(inclVat, currency) };
  }
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
export function referencePrice(
  tariff: Tariff,
  chargingPeriods: readonly ChargingPeriod[],
  context: PricingContext,
): PricingResult {
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
      : chargingStart + decimalOf(statedTime).times(3_600_000).round().toNumber();
  const hasReservation = quantities.some((q) => q.reservation !== undefined);
  const expired = context.reservationExpired ?? (hasReservation && !hasSession);
  const reservationElements = expired ? compiled.expiredReservation : compiled.reservation;

  const energyLines: MutableLine[] = [];
  const timeLines: MutableLine[] = [];
  const reservationLines: MutableLine[] = [];
  const allLines: MutableLine[] = [];
  let sessionFlat: MutableLine | undefined;
  let reservationFlat: MutableLine | undefined;
  let energySoFar = ZERO;
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
    if (q.energy && compiled.readsEnergy) energySoFar = energySoFar.plus(q.energy);
    if (!priced.priced) return;
    // The last second of the period: it ends where the next one starts, the last one when the session ends.
    const end = at + 1 < ordered.length ? ordered[at + 1].start : sessionEnd;
    const lastInstant = end !== undefined && end - 1000 > start ? end - 1000 : undefined;
    let factsAtEnd: PeriodFacts | undefined;

    const measure = (
      elements: CompiledElement[],
      type: TariffDimensionType,
      dimension: CostDimension,
      volume: OcpiDecimal | undefined,
      into: MutableLine[],
    ) => {
      if (volume === undefined || volume.isZero()) return;
      const component = activeComponent(elements, type, facts);
      if (!component) {
        priced.unpriced.push({ dimension, volume });
        return;
      }
      // Hours are read to the second: 35 minutes sent as 0.583333 or 0.583334 h are 2100 s, not 2100.0024 s.
      const quantity = dimension === 'ENERGY' ? volume.times(1000) : volume.times(3600).toDecimalPlaces(0);
      const mutable = lineOf(dimension, component, quantity, UNIT[dimension], currency);
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
        const flat = activeComponent(reservationElements, TariffDimensionType.FLAT, facts);
        reservationFlat = flat && lineOf('RESERVATION', flat, ONE, 1, currency);
        if (reservationFlat) {
          priced.lines.push(reservationFlat.line);
          allLines.push(reservationFlat);
        }
      }
      measure(reservationElements, TariffDimensionType.TIME, 'RESERVATION', q.reservation, reservationLines);
    }
    if (q.other && !sessionFlat) {
      const flat = activeComponent(compiled.session, TariffDimensionType.FLAT, facts);
      sessionFlat = flat && lineOf('FLAT', flat, ONE, 1, currency);
      if (sessionFlat) {
        priced.lines.push(sessionFlat.line);
        allLines.push(sessionFlat);
      }
    }
    measure(compiled.session, TariffDimensionType.ENERGY, 'ENERGY', q.energy, energyLines);
    measure(compiled.session, TariffDimensionType.TIME, 'TIME', q.time, timeLines);
    measure(compiled.session, TariffDimensionType.PARKING_TIME, 'PARKING_TIME', q.parking, timeLines);
  });

  notes.push(...totalsNotes(context, quantities));
  applyStep(energyLines, currency);
  applyStep(timeLines, currency);
  applyStep(reservationLines, currency);

  const sums: Record<CostDimension, CostSum> = {
    ENERGY: new CostSum(),
    FLAT: new CostSum(),
    TIME: new CostSum(),
    PARKING_TIME: new CostSum(),
    RESERVATION: new CostSum(),
  };
  for (const mutable of allLines) sums[mutable.line.dimension].add(mutable);
  const all = new CostSum();
  for (const dimension of COST_DIMENSIONS) if (!sums[dimension].isZero()) all.addSum(sums[dimension]);
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
  let energy = ZERO;
  let time = ZERO;
  let parking = ZERO;
  for (const q of quantities) {
    if (q.energy) energy = energy.plus(q.energy);
    if (q.time) time = time.plus(q.time);
    if (q.parking) parking = parking.plus(q.parking);
  }
  const notes: string[] = [];
  const check = (label: string, stated: number | undefined, sum: OcpiDecimal, unitsPerPeriod: OcpiDecimal) => {
    if (stated === undefined || stated === null) return;
    const difference = sum.minus(decimalOf(stated));
    if (!difference.isZero() && difference.abs().gt(unitsPerPeriod.times(quantities.length))) {
      notes.push(`the periods hold ${sum} of ${label}, the session states ${stated}`);
    }
  };
  check('energy (kWh)', totals.energy, energy, WH_IN_KWH);
  check('charging and parking time (h)', totals.time, totals.time === undefined ? ZERO : time.plus(parking), SECOND_IN_HOURS);
  check('parking time (h)', totals.parkingTime, parking, SECOND_IN_HOURS);
  return notes;
}

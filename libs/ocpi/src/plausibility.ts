/**
 * Figures no real charging session has, as findings: the one rule set for CDRs (on receipt, libs/cdrs)
 * and sessions (in the finance session view, libs/billing). Pure, with fixed bounds, so a replay
 * finds the same. The spec's types allow these values, so they are kept and flagged, not refused.
 */
import { parseOcpiDateTime } from './datetime';
import { decimalOf, OcpiDecimal } from './money';

export type PlausibilityCode =
  | 'negative_energy'
  | 'negative_cost'
  | 'negative_time'
  | 'energy_implausible'
  | 'duration_implausible'
  | 'end_before_start'
  | 'date_implausible'
  | 'currency_not_iso_4217';

export const PLAUSIBILITY_CODES: ReadonlySet<PlausibilityCode> = new Set<PlausibilityCode>([
  'negative_energy',
  'negative_cost',
  'negative_time',
  'energy_implausible',
  'duration_implausible',
  'end_before_start',
  'date_implausible',
  'currency_not_iso_4217',
]);

export interface PlausibilityFinding {
  code: PlausibilityCode;
  message: string;
  /** What the object said, as decimal text, when the finding is about a figure. */
  stated?: string;
}

/** A figure with the name of the field that holds it, for the message. */
export interface NamedFigure {
  field: string;
  value: number | string;
}

export interface ChargingFigures {
  /** kWh charged. */
  energy: NamedFigure;
  /** The cost excluding VAT, when stated. */
  cost?: NamedFigure;
  /** Hours, when stated (a CDR's total_time); otherwise the duration is end minus start. */
  time?: NamedFigure;
  start: { field: string; at: string };
  end?: { field: string; at: string };
  currency: string;
  /** A credit's signs are the CPO's choice (see the ledger): negative figures are no finding there. */
  credit?: boolean;
}

// Beyond these a figure is not a charging session: more energy than a truck's day, longer than a
// week, a time before OCPI or in the next century.
export const MAX_PLAUSIBLE_KWH = new OcpiDecimal(5_000);
export const MAX_PLAUSIBLE_HOURS = new OcpiDecimal(7 * 24);
const EARLIEST_PLAUSIBLE = Date.parse('2010-01-01T00:00:00Z');
const LATEST_PLAUSIBLE = Date.parse('2100-01-01T00:00:00Z');
const MILLIS_PER_HOUR = new OcpiDecimal(3_600_000);
// mod_cdrs: start/end may be set to the epoch when unknown and both parties agreed to it.
const UNKNOWN_DATE_TIME = 0;

/** ISO 4217 codes as the runtime's ICU knows them (current and historic). */
const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));

const text = (value: OcpiDecimal) => value.toDecimalPlaces(6).toString();
const negative = (value: OcpiDecimal) => value.isNegative() && !value.isZero();

/** Negative or absurd energy, cost and duration, an end before the start, dates outside 2010..2099. */
export function plausibilityFindings(figures: ChargingFigures): PlausibilityFinding[] {
  const findings: PlausibilityFinding[] = [];
  const energy = decimalOf(figures.energy.value);
  const cost = figures.cost ? decimalOf(figures.cost.value) : undefined;
  const start = parseOcpiDateTime(figures.start.at).getTime();
  const end = figures.end ? parseOcpiDateTime(figures.end.at).getTime() : undefined;
  const datesKnown = start !== UNKNOWN_DATE_TIME && end !== undefined && end !== UNKNOWN_DATE_TIME;
  const time = figures.time
    ? { field: figures.time.field, hours: decimalOf(figures.time.value) }
    : datesKnown
      ? {
          field: `${figures.end?.field} - ${figures.start.field}`,
          hours: new OcpiDecimal(end - start).dividedBy(MILLIS_PER_HOUR),
        }
      : undefined;
  if (!figures.credit) {
    if (negative(energy)) {
      findings.push({ code: 'negative_energy', message: `${figures.energy.field} is ${text(energy)} kWh`, stated: text(energy) });
    }
    if (cost && negative(cost)) {
      findings.push({ code: 'negative_cost', message: `${figures.cost?.field} is ${text(cost)}`, stated: text(cost) });
    }
    // A derived negative duration is an end before the start, reported as that below.
    if (figures.time && time && negative(time.hours)) {
      findings.push({ code: 'negative_time', message: `${time.field} is ${text(time.hours)} h`, stated: text(time.hours) });
    }
  }
  if (energy.abs().gt(MAX_PLAUSIBLE_KWH)) {
    findings.push({
      code: 'energy_implausible',
      message: `${figures.energy.field} is ${text(energy)} kWh`,
      stated: text(energy),
    });
  }
  if (time?.hours.abs().gt(MAX_PLAUSIBLE_HOURS)) {
    findings.push({ code: 'duration_implausible', message: `${time.field} is ${text(time.hours)} h`, stated: text(time.hours) });
  }
  if (datesKnown && end < start) {
    findings.push({
      code: 'end_before_start',
      message: `${figures.end?.field} ${figures.end?.at} is before ${figures.start.field} ${figures.start.at}`,
    });
  }
  const implausible = [figures.start.at, ...(figures.end ? [figures.end.at] : [])].filter((dateTime) => {
    const at = parseOcpiDateTime(dateTime).getTime();
    return at !== UNKNOWN_DATE_TIME && (at < EARLIEST_PLAUSIBLE || at >= LATEST_PLAUSIBLE);
  });
  if (implausible.length > 0) {
    findings.push({ code: 'date_implausible', message: `${implausible.join(', ')} outside 2010 .. 2099` });
  }
  return findings;
}

/** A currency the runtime's ISO 4217 list does not know. */
export function currencyFindings(currency: string): PlausibilityFinding[] {
  return ISO_4217.has(currency)
    ? []
    : [{ code: 'currency_not_iso_4217', message: `currency "${currency}" is not an ISO 4217 code` }];
}

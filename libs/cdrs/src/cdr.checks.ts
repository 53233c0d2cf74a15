import type { CDR } from '@roamledger/ocpi';
import {
  type CdrDimensionType,
  currencyFindings,
  decimalOf,
  Money,
  OcpiDecimal,
  type PartyId,
  parseOcpiDateTime,
  plausibilityFindings,
  priceOf,
  sameParty,
  sumOf,
} from '@roamledger/ocpi/values';
import type { CdrFinding } from './cdr.events';

/** What the checks need to know beyond the CDR itself, read by the caller before deciding. */
export interface CdrContext {
  /** Our eMSP parties: the CDR's token should be one of theirs. */
  hostedParties: PartyId[];
  /** The session named by session_id, when the CDR names one. */
  session?: { stream: string; found: boolean; tokenUid?: string; currency?: string };
  /** The CDR a credit CDR points at (credit_reference_id). */
  original?: { stream: string; found: boolean; cdr?: CDR; isCredit?: boolean; creditedBy: string[] };
}

// Reported figures are rounded by the CPO (typically to 3 decimals); a sum of n rounded values may
// drift by up to n half-units. Beyond these, a difference is a finding.
const ENERGY_TOLERANCE_KWH_PER_PERIOD = new OcpiDecimal('0.001');
const TIME_TOLERANCE_HOURS = new OcpiDecimal('0.01');
const MILLIS_PER_HOUR = new OcpiDecimal(3_600_000);
// mod_cdrs: start/end may be set to the epoch when unknown and both parties agreed to it.
const UNKNOWN_DATE_TIME = 0;

/**
 * The checks on receipt (pure). Each failure is a finding recorded on the CDR; none rejects it:
 * a CDR is the CPO's invoice line and is kept as sent, questions and all.
 */
export function checkCdr(cdr: CDR, context: CdrContext): CdrFinding[] {
  return [
    ...checkEnergy(cdr),
    ...checkTime(cdr),
    ...checkCosts(cdr),
    ...checkPlausibility(cdr),
    ...checkCurrency(cdr, context),
    ...checkSessionAndToken(cdr, context),
    ...checkCredit(cdr, context),
  ];
}

function dimensionVolumes(cdr: CDR, type: CdrDimensionType | `${CdrDimensionType}`) {
  return cdr.charging_periods.flatMap((period) =>
    period.dimensions.filter((dimension) => dimension.type === type).map((dimension) => decimalOf(dimension.volume)),
  );
}

const text = (value: OcpiDecimal) => value.toDecimalPlaces(6).toString();

function checkEnergy(cdr: CDR): CdrFinding[] {
  const volumes = dimensionVolumes(cdr, 'ENERGY');
  if (volumes.length === 0) return []; // not derivable: no period says how much energy it took
  const derived = sumOf(volumes);
  const stated = decimalOf(cdr.total_energy);
  if (stated.minus(derived).abs().lte(ENERGY_TOLERANCE_KWH_PER_PERIOD.times(volumes.length))) return [];
  return [
    {
      code: 'total_energy_mismatch',
      message: `total_energy is ${text(stated)} kWh, the ENERGY dimensions of the charging periods add up to ${text(derived)} kWh`,
      stated: text(stated),
      derived: text(derived),
    },
  ];
}

function checkTime(cdr: CDR): CdrFinding[] {
  const findings: CdrFinding[] = [];
  const start = parseOcpiDateTime(cdr.start_date_time).getTime();
  const end = parseOcpiDateTime(cdr.end_date_time).getTime();
  const totalTime = decimalOf(cdr.total_time);
  const datesKnown = start !== UNKNOWN_DATE_TIME && end !== UNKNOWN_DATE_TIME;

  if (datesKnown) {
    const derived = new OcpiDecimal(end - start).dividedBy(MILLIS_PER_HOUR);
    if (totalTime.minus(derived).abs().gt(TIME_TOLERANCE_HOURS)) {
      findings.push({
        code: 'total_time_mismatch',
        message: `total_time is ${text(totalTime)} h, end_date_time - start_date_time is ${text(derived)} h`,
        stated: text(totalTime),
        derived: text(derived),
      });
    }
    const outside = cdr.charging_periods.filter((period) => {
      const at = parseOcpiDateTime(period.start_date_time).getTime();
      return at < start || at > end;
    });
    if (outside.length > 0) {
      findings.push({
        code: 'charging_period_outside_session',
        message: `charging period(s) starting at ${outside.map((p) => p.start_date_time).join(', ')} lie outside ${cdr.start_date_time} .. ${cdr.end_date_time}`,
      });
    }
  }

  // Charging (TIME) plus not charging (PARKING_TIME) is the whole session, when every period says
  // which it was; reservation time is outside total_time, so periods with it are not comparable.
  const timed = cdr.charging_periods.every((period) =>
    period.dimensions.some((d) => d.type === 'TIME' || d.type === 'PARKING_TIME'),
  );
  const reserved = dimensionVolumes(cdr, 'RESERVATION_TIME').length > 0;
  const parking = dimensionVolumes(cdr, 'PARKING_TIME');
  if (timed && !reserved) {
    const derived = sumOf([...dimensionVolumes(cdr, 'TIME'), ...parking]);
    if (totalTime.minus(derived).abs().gt(TIME_TOLERANCE_HOURS)) {
      findings.push({
        code: 'time_dimensions_mismatch',
        message: `total_time is ${text(totalTime)} h, the TIME and PARKING_TIME dimensions add up to ${text(derived)} h`,
        stated: text(totalTime),
        derived: text(derived),
      });
    }
  }
  if (cdr.total_parking_time !== undefined && parking.length > 0) {
    const stated = decimalOf(cdr.total_parking_time);
    const derived = sumOf(parking);
    if (stated.minus(derived).abs().gt(TIME_TOLERANCE_HOURS)) {
      findings.push({
        code: 'total_parking_time_mismatch',
        message: `total_parking_time is ${text(stated)} h, the PARKING_TIME dimensions add up to ${text(derived)} h`,
        stated: text(stated),
        derived: text(derived),
      });
    }
  }
  return findings;
}

/** Implausible figures (libs/ocpi plausibility, the rule set sessions share). */
function checkPlausibility(cdr: CDR): CdrFinding[] {
  return plausibilityFindings({
    energy: { field: 'total_energy', value: cdr.total_energy },
    cost: { field: 'total_cost.excl_vat', value: cdr.total_cost.excl_vat },
    time: { field: 'total_time', value: cdr.total_time },
    start: { field: 'start_date_time', at: cdr.start_date_time },
    end: { field: 'end_date_time', at: cdr.end_date_time },
    currency: cdr.currency,
    credit: cdr.credit,
  });
}

const COST_COMPONENTS = [
  'total_fixed_cost',
  'total_energy_cost',
  'total_time_cost',
  'total_parking_cost',
  'total_reservation_cost',
] as const;

/** total_cost is the sum of all costs: when components are itemised, they must add up to it. */
function checkCosts(cdr: CDR): CdrFinding[] {
  const components = COST_COMPONENTS.flatMap((field) => (cdr[field] ? [priceOf(cdr[field], cdr.currency)] : []));
  if (components.length === 0) return [];
  const total = priceOf(cdr.total_cost, cdr.currency);
  const findings: CdrFinding[] = [];
  const excl = components.reduce((sum, price) => sum.plus(price.exclVat), Money.zero(cdr.currency));
  if (!excl.equals(total.exclVat)) findings.push(costFinding('excl_vat', total.exclVat, excl));
  if (total.inclVat && components.every((price) => price.inclVat)) {
    const incl = components.reduce((sum, price) => sum.plus(price.inclVat as Money), Money.zero(cdr.currency));
    if (!incl.equals(total.inclVat)) findings.push(costFinding('incl_vat', total.inclVat, incl));
  }
  return findings;
}

function costFinding(part: string, stated: Money, derived: Money): CdrFinding {
  return {
    code: 'cost_components_do_not_add_up',
    message: `total_cost.${part} is ${stated} ${stated.currency}, the itemised costs add up to ${derived} ${derived.currency}`,
    stated: stated.toString(),
    derived: derived.toString(),
  };
}

function checkCurrency(cdr: CDR, context: CdrContext): CdrFinding[] {
  const findings: CdrFinding[] = currencyFindings(cdr.currency);
  const tariffCurrencies = [...new Set((cdr.tariffs ?? []).map((tariff) => tariff.currency))].filter(
    (currency) => currency.toUpperCase() !== cdr.currency.toUpperCase(),
  );
  if (tariffCurrencies.length > 0) {
    findings.push({
      code: 'currency_differs_from_tariff',
      message: `the CDR is in ${cdr.currency}, its tariffs in ${tariffCurrencies.join(', ')}`,
    });
  }
  const sessionCurrency = context.session?.currency;
  if (sessionCurrency && sessionCurrency.toUpperCase() !== cdr.currency.toUpperCase()) {
    findings.push({
      code: 'currency_differs_from_session',
      message: `the CDR is in ${cdr.currency}, its session in ${sessionCurrency}`,
    });
  }
  return findings;
}

/**
 * Token known: its party is one of ours, and its uid is the one the CDR's session (held by us)
 * was started with. There is no Tokens module yet; without the session the token is 'not verified'.
 */
function checkSessionAndToken(cdr: CDR, context: CdrContext): CdrFinding[] {
  const findings: CdrFinding[] = [];
  const token = cdr.cdr_token;
  if (!context.hostedParties.some((party) => sameParty(party, { countryCode: token.country_code, partyId: token.party_id }))) {
    findings.push({
      code: 'token_not_ours',
      message: `the token ${token.uid} belongs to ${token.country_code}*${token.party_id}, not to a party hosted here`,
    });
  }
  if (!cdr.session_id) {
    findings.push({
      code: 'no_session_id',
      message: 'the CDR names no session (allowed only for reservations or CPOs without Sessions)',
    });
  } else if (!context.session?.found) {
    findings.push({
      code: 'session_unknown',
      message: `we hold no session ${cdr.session_id} of ${cdr.country_code}*${cdr.party_id}`,
    });
  }
  if (context.session?.found && context.session.tokenUid !== undefined) {
    if (context.session.tokenUid.toUpperCase() !== token.uid.toUpperCase()) {
      findings.push({
        code: 'token_differs_from_session',
        message: `the CDR's token ${token.uid} is not the token ${context.session.tokenUid} its session was started with`,
      });
    }
  } else {
    findings.push({ code: 'token_not_verified', message: `no session we hold confirms token ${token.uid}` });
  }
  if (!cdr.credit && cdr.id.length > 36) {
    findings.push({ code: 'id_too_long', message: `the id has ${cdr.id.length} characters; only credit CDRs may exceed 36` });
  }
  return findings;
}

function checkCredit(cdr: CDR, context: CdrContext): CdrFinding[] {
  if (!cdr.credit) {
    return cdr.credit_reference_id
      ? [{ code: 'credit_reference_without_credit_flag', message: 'credit_reference_id is set but credit is not true' }]
      : [];
  }
  const original = context.original;
  if (!original?.found || !original.cdr) {
    return [
      { code: 'credit_original_unknown', message: `we hold no CDR ${cdr.credit_reference_id} for this credit CDR to credit` },
    ];
  }
  const findings: CdrFinding[] = [];
  if (original.isCredit) findings.push({ code: 'credit_of_a_credit', message: `CDR ${original.cdr.id} is itself a credit CDR` });
  const others = original.creditedBy.filter((id) => id.toUpperCase() !== cdr.id.toUpperCase());
  if (others.length > 0) {
    findings.push({
      code: 'original_already_credited',
      message: `CDR ${original.cdr.id} was already credited by ${others.join(', ')}`,
    });
  }
  // The credit carries the original's data with total_cost negated (mod_cdrs, Credit CDRs).
  if (original.cdr.currency.toUpperCase() !== cdr.currency.toUpperCase()) {
    findings.push({
      code: 'credit_total_not_negated',
      message: `the credit is in ${cdr.currency}, the original in ${original.cdr.currency}`,
    });
    return findings;
  }
  const credit = priceOf(cdr.total_cost, cdr.currency);
  const expected = priceOf(original.cdr.total_cost, cdr.currency);
  const exclOk = credit.exclVat.equals(expected.exclVat.negated());
  const inclOk = !credit.inclVat || !expected.inclVat || credit.inclVat.equals(expected.inclVat.negated());
  if (!exclOk || !inclOk) {
    findings.push({
      code: 'credit_total_not_negated',
      message: `the credit's total_cost (${credit.exclVat} excl. VAT) is not the negated total_cost of ${original.cdr.id} (${expected.exclVat})`,
      stated: credit.exclVat.toString(),
      derived: expected.exclVat.negated().toString(),
    });
  }
  return findings;
}

import type { RecordedEvent } from '@roamledger/event-store';
import { type CDR, decimalOf, Money, parseOcpiDateTime } from '@roamledger/ocpi';
import type { ProjectionTable, Row } from '@roamledger/projections';
import { monthOf } from './billing-period';

/**
 * The CDR ledger: one row per CDR and per credit CDR, as received (amounts rounded once, to the
 * currency's minor unit, by the one rule in libs/ocpi/src/money.ts), with what the ledger knows
 * about it now: its session, its credits, its findings.
 */
export const CDR_LEDGER: ProjectionTable = {
  name: 'cdr_ledger',
  columns: [
    { name: 'country_code', type: 'text', required: true },
    { name: 'party_id', type: 'text', required: true },
    // CiString: ids compare case-insensitively, so the key is the upper-cased id.
    { name: 'cdr_key', type: 'text', required: true },
    { name: 'cdr_id', type: 'text', required: true },
    { name: 'credit', type: 'boolean', required: true },
    { name: 'credit_reference_id', type: 'text' },
    { name: 'credit_reference_key', type: 'text' },
    { name: 'credited_by', type: 'text[]', required: true },
    { name: 'session_id', type: 'text' },
    { name: 'session_key', type: 'text' },
    // session_key on the first CDR (not a credit) naming its session, else null: statements count
    // sessions by it, once each, and its index finds that one CDR however many the session has.
    { name: 'first_of_session_key', type: 'text' },
    { name: 'token_uid', type: 'text', required: true },
    { name: 'token_type', type: 'text', required: true },
    { name: 'contract_id', type: 'text', required: true },
    // Our party the CDR bills (its token's issuer, `NL*RLG`): statements per eMSP party of ours.
    { name: 'emsp_party', type: 'text', required: true },
    { name: 'auth_method', type: 'text', required: true },
    { name: 'authorization_reference', type: 'text' },
    { name: 'location_id', type: 'text', required: true },
    { name: 'evse_uid', type: 'text', required: true },
    { name: 'evse_id', type: 'text', required: true },
    { name: 'connector_id', type: 'text', required: true },
    { name: 'start_at', type: 'timestamptz', required: true },
    { name: 'end_at', type: 'timestamptz', required: true },
    { name: 'statement_month', type: 'text', required: true },
    { name: 'energy_kwh', type: 'numeric', required: true },
    { name: 'time_hours', type: 'numeric', required: true },
    { name: 'parking_hours', type: 'numeric' },
    { name: 'currency', type: 'text', required: true },
    { name: 'amount_excl_vat', type: 'numeric', required: true },
    { name: 'amount_incl_vat', type: 'numeric' },
    { name: 'tariff_ids', type: 'text[]', required: true },
    { name: 'invoice_reference_id', type: 'text' },
    { name: 'cdr_last_updated', type: 'timestamptz', required: true },
    { name: 'receipt_findings', type: 'text[]', required: true },
    { name: 'findings', type: 'text[]', required: true },
    { name: 'stream', type: 'text', required: true },
    { name: 'received_position', type: 'bigint', required: true },
    { name: 'recorded_at', type: 'timestamptz', required: true },
    { name: 'position', type: 'bigint', required: true },
  ],
  // The selective column first in every index: all of a CPO's rows share country_code and party_id,
  // and a planner without fresh statistics must not take one index for another.
  primaryKey: ['cdr_key', 'country_code', 'party_id'],
  indexes: [
    ['end_at', 'country_code', 'party_id', 'cdr_key'],
    ['session_key', 'country_code', 'party_id'],
    ['credit_reference_key', 'country_code', 'party_id'],
    ['first_of_session_key', 'country_code', 'party_id'],
  ],
};

/** Findings the ledger keeps current (the CDRs module's own findings, at receipt, are in receipt_findings). */
export const LEDGER_FINDINGS = {
  /** The CDR names no session, or one we do not hold (yet). */
  cdrWithoutSession: 'cdr_without_session',
  /** A credit CDR whose original we do not hold (yet). */
  creditWithoutOriginal: 'credit_without_original',
  /** An original credited by more than one credit CDR. */
  creditedMoreThanOnce: 'credited_more_than_once',
} as const;

/**
 * What the tokens register found about our authorization of a session or CDR (an
 * AuthorizationFindingRaised event), on the session view's and the ledger's rows alike: its token
 * was blocked or expired when it reached the log, or it carries an authorization_reference we
 * never issued. Raised once and never withdrawn, as the event is.
 */
export const AUTHORIZATION_FINDINGS = {
  TOKEN_BLOCKED_AT_START: 'token_blocked_at_start',
  UNKNOWN_AUTHORIZATION_REFERENCE: 'unknown_authorization_reference',
} as const;

export interface CdrLedgerRow extends Row {
  country_code: string;
  party_id: string;
  cdr_key: string;
  cdr_id: string;
  credit: boolean;
  credit_reference_id: string | null;
  credit_reference_key: string | null;
  credited_by: string[];
  session_id: string | null;
  session_key: string | null;
  first_of_session_key: string | null;
  emsp_party: string;
  currency: string;
  amount_excl_vat: string;
  amount_incl_vat: string | null;
  energy_kwh: string;
  statement_month: string;
  findings: string[];
  position: string;
}

export const upper = (value: string) => value.toUpperCase();

/** A decimal as canonical text (no exponent, no trailing zeros): how quantities are stored. */
export const quantity = (value: number | string) => decimalOf(value).toFixed();

// Most times come as RFC 3339 with a zone (or as this projection wrote them): Date parses those
// natively; the rest (no designator means UTC in OCPI) goes through the OCPI parser.
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/** An OCPI DateTime as ISO 8601 UTC with milliseconds: how times are stored. */
export function utc(dateTime: string): string {
  return ZONED.test(dateTime) ? new Date(dateTime).toISOString() : parseOcpiDateTime(dateTime).toISOString();
}

/** A new ledger row for a CDR or credit CDR event. */
export function cdrLedgerRow(
  event: RecordedEvent,
  data: { country_code: string; party_id: string; cdr_id: string; cdr: CDR; findings: { code: string }[] },
  credit: { referenceId: string } | undefined,
  timeZone: string,
): CdrLedgerRow {
  const cdr = data.cdr;
  const endAt = utc(cdr.end_date_time);
  const tariffIds = new Set<string>();
  for (const tariff of cdr.tariffs ?? []) tariffIds.add(tariff.id);
  for (const period of cdr.charging_periods) if (period.tariff_id) tariffIds.add(period.tariff_id);
  return {
    country_code: upper(data.country_code),
    party_id: upper(data.party_id),
    cdr_key: upper(data.cdr_id),
    cdr_id: data.cdr_id,
    credit: credit !== undefined,
    credit_reference_id: credit?.referenceId ?? null,
    credit_reference_key: credit ? upper(credit.referenceId) : null,
    credited_by: [],
    session_id: cdr.session_id ?? null,
    session_key: cdr.session_id ? upper(cdr.session_id) : null,
    // Set by the projection, which knows the CDRs before this one.
    first_of_session_key: null,
    token_uid: cdr.cdr_token.uid,
    token_type: cdr.cdr_token.type,
    contract_id: cdr.cdr_token.contract_id,
    emsp_party: `${upper(cdr.cdr_token.country_code)}*${upper(cdr.cdr_token.party_id)}`,
    auth_method: cdr.auth_method,
    authorization_reference: cdr.authorization_reference ?? null,
    location_id: cdr.cdr_location.id,
    evse_uid: cdr.cdr_location.evse_uid,
    evse_id: cdr.cdr_location.evse_id,
    connector_id: cdr.cdr_location.connector_id,
    start_at: utc(cdr.start_date_time),
    end_at: endAt,
    statement_month: monthOf(new Date(endAt), timeZone),
    energy_kwh: quantity(cdr.total_energy),
    time_hours: quantity(cdr.total_time),
    parking_hours:
      cdr.total_parking_time !== undefined && cdr.total_parking_time !== null ? quantity(cdr.total_parking_time) : null,
    currency: upper(cdr.currency),
    amount_excl_vat: Money.of(cdr.total_cost.excl_vat, cdr.currency).toString(),
    amount_incl_vat:
      cdr.total_cost.incl_vat !== undefined && cdr.total_cost.incl_vat !== null
        ? Money.of(cdr.total_cost.incl_vat, cdr.currency).toString()
        : null,
    tariff_ids: [...tariffIds].sort(),
    invoice_reference_id: cdr.invoice_reference_id ?? null,
    cdr_last_updated: utc(cdr.last_updated),
    receipt_findings: [...new Set(data.findings.map((finding) => finding.code))].sort(),
    findings: [],
    stream: event.stream,
    received_position: String(event.position),
    recorded_at: event.recordedAt,
    position: String(event.position),
  };
}

/** Adds or removes a finding, keeping the list sorted; true when it changed. */
export function setFinding(row: { findings: string[] }, finding: string, present: boolean): boolean {
  const has = row.findings.includes(finding);
  if (has === present) return false;
  row.findings = present ? [...row.findings, finding].sort() : row.findings.filter((f) => f !== finding);
  return true;
}

import { Money } from '@roamledger/ocpi';
import type { Row } from '@roamledger/projections';

/**
 * How ledger rows leave the API: snake_case, times ISO 8601 UTC, decimals as JSON strings
 * ("12.34": never a float), positions as numbers. The same fields, in the same order, are the
 * columns of the CSV export.
 */
export const CDR_FIELDS = [
  'partner',
  'country_code',
  'party_id',
  'cdr_id',
  'credit',
  'credit_reference_id',
  'credited_by',
  'session_id',
  'token_uid',
  'token_type',
  'contract_id',
  'emsp_party',
  'auth_method',
  'authorization_reference',
  'location_id',
  'evse_uid',
  'evse_id',
  'connector_id',
  'start_date_time',
  'end_date_time',
  'statement_month',
  'energy_kwh',
  'time_hours',
  'parking_hours',
  'currency',
  'amount_excl_vat',
  'amount_incl_vat',
  'tariff_ids',
  'invoice_reference_id',
  'last_updated',
  'findings',
  'receipt_findings',
  'pricing_status',
  'priced_excl_vat',
  'priced_incl_vat',
  'cost_difference_excl_vat',
  'cost_difference_incl_vat',
  'priced_with',
  'stream',
  'received_position',
  'recorded_at',
  'position',
] as const;

export type CdrItem = Record<(typeof CDR_FIELDS)[number], string | number | boolean | string[] | null>;

const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));

export function cdrItem(row: Row): CdrItem {
  return {
    partner: `${row.country_code}*${row.party_id}`,
    country_code: row.country_code as string,
    party_id: row.party_id as string,
    cdr_id: row.cdr_id as string,
    credit: row.credit as boolean,
    credit_reference_id: row.credit_reference_id as string | null,
    credited_by: row.credited_by as string[],
    session_id: row.session_id as string | null,
    token_uid: row.token_uid as string,
    token_type: row.token_type as string,
    contract_id: row.contract_id as string,
    emsp_party: row.emsp_party as string,
    auth_method: row.auth_method as string,
    authorization_reference: row.authorization_reference as string | null,
    location_id: row.location_id as string,
    evse_uid: row.evse_uid as string,
    evse_id: row.evse_id as string,
    connector_id: row.connector_id as string,
    start_date_time: row.start_at as string,
    end_date_time: row.end_at as string,
    statement_month: row.statement_month as string,
    energy_kwh: row.energy_kwh as string,
    time_hours: row.time_hours as string,
    parking_hours: row.parking_hours as string | null,
    currency: row.currency as string,
    amount_excl_vat: row.amount_excl_vat as string,
    amount_incl_vat: row.amount_incl_vat as string | null,
    tariff_ids: row.tariff_ids as string[],
    invoice_reference_id: row.invoice_reference_id as string | null,
    last_updated: row.cdr_last_updated as string,
    findings: row.cost_finding ? [...(row.findings as string[]), row.cost_finding as string].sort() : (row.findings as string[]),
    receipt_findings: row.receipt_findings as string[],
    pricing_status: (row.pricing_status as string | null | undefined) ?? null,
    priced_excl_vat: (row.priced_excl_vat as string | null | undefined) ?? null,
    priced_incl_vat: (row.priced_incl_vat as string | null | undefined) ?? null,
    cost_difference_excl_vat: (row.cost_difference_excl_vat as string | null | undefined) ?? null,
    cost_difference_incl_vat: (row.cost_difference_incl_vat as string | null | undefined) ?? null,
    priced_with: (row.priced_with as string[] | null | undefined) ?? [],
    stream: row.stream as string,
    received_position: num(row.received_position),
    recorded_at: row.recorded_at as string,
    position: num(row.position),
  };
}

/** The cost check of a CDR, line by line (the detail of one CDR). */
export function costCheckItem(row: Row) {
  if (!row.pricing_status) return null;
  return {
    status: row.pricing_status,
    reason: row.pricing_reason ?? null,
    finding: row.cost_finding ?? null,
    stated: { excl_vat: row.amount_excl_vat, incl_vat: row.amount_incl_vat ?? null },
    priced: row.priced_excl_vat ? { excl_vat: row.priced_excl_vat, incl_vat: row.priced_incl_vat } : null,
    difference: row.cost_difference_excl_vat
      ? { excl_vat: row.cost_difference_excl_vat, incl_vat: row.cost_difference_incl_vat ?? null }
      : null,
    time_zone: row.pricing_time_zone ?? null,
    breakdown: row.pricing_breakdown ? JSON.parse(String(row.pricing_breakdown)) : null,
  };
}

/** `cdr_overdue`: COMPLETED, no CDR, ended more than BILLING_CDR_DUE_HOURS before `asOf`. */
export function sessionItem(row: Row, asOf: Date, dueHours: number) {
  const endedAt = (row.end_at ?? row.last_updated) as string;
  const cdrIds = row.cdr_ids as string[];
  const overdue =
    row.status === 'COMPLETED' && cdrIds.length === 0 && new Date(endedAt).getTime() < asOf.getTime() - dueHours * 3_600_000;
  return {
    partner: `${row.country_code}*${row.party_id}`,
    country_code: row.country_code,
    party_id: row.party_id,
    session_id: row.session_id,
    status: row.status,
    start_date_time: row.start_at,
    end_date_time: row.end_at,
    energy_kwh: row.energy_kwh,
    currency: row.currency,
    cost_excl_vat: row.cost_excl_vat,
    cost_incl_vat: row.cost_incl_vat,
    token_uid: row.token_uid,
    token_type: row.token_type,
    contract_id: row.contract_id,
    auth_method: row.auth_method,
    authorization_reference: row.authorization_reference,
    location_id: row.location_id,
    evse_uid: row.evse_uid,
    connector_id: row.connector_id,
    last_updated: row.last_updated,
    cdr_ids: cdrIds,
    cost_so_far: row.cost_so_far_excl_vat
      ? { excl_vat: row.cost_so_far_excl_vat as string, incl_vat: row.cost_so_far_incl_vat as string }
      : null,
    cost_so_far_tariffs: (row.cost_so_far_tariffs as string[] | null | undefined) ?? [],
    cost_so_far_note: (row.cost_so_far_reason as string | null | undefined) ?? null,
    cdr_overdue: overdue,
    findings: overdue ? [...(row.findings as string[]), 'completed_without_cdr'].sort() : row.findings,
    stream: row.stream,
    started_position: num(row.started_position),
    recorded_at: row.recorded_at,
    position: num(row.position),
  };
}

export function statementItem(row: Row) {
  return {
    partner: `${row.country_code}*${row.party_id}`,
    country_code: row.country_code,
    party_id: row.party_id,
    month: row.month,
    currency: row.currency,
    cdr_count: Number(row.cdr_count),
    session_count: Number(row.session_count),
    credit_count: Number(row.credit_count),
    energy_kwh: row.energy_kwh,
    amount_excl_vat: row.amount_excl_vat,
    amount_incl_vat: row.amount_incl_vat,
    incl_vat_missing: Number(row.incl_vat_missing),
    disputed_cdr_count: Number(row.disputed_cdr_count ?? 0),
    disputed_excl_vat: Money.of((row.disputed_excl_vat as string | null) ?? 0, String(row.currency)).toString(),
    disputed_incl_vat: Money.of((row.disputed_incl_vat as string | null) ?? 0, String(row.currency)).toString(),
    position: num(row.position),
  };
}

// A spreadsheet would run a text cell starting like a formula: such text gets a leading quote.
const FORMULA_START = /^[=+\-@\t\r]/;
const NUMERIC_FIELDS = new Set<string>([
  'energy_kwh',
  'time_hours',
  'parking_hours',
  'amount_excl_vat',
  'amount_incl_vat',
  'priced_excl_vat',
  'priced_incl_vat',
  'cost_difference_excl_vat',
  'cost_difference_incl_vat',
  'received_position',
  'position',
]);

function csvCell(field: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = Array.isArray(value) ? value.join(';') : String(value);
  if (!NUMERIC_FIELDS.has(field) && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_HEADER = `${CDR_FIELDS.join(',')}\r\n`;

/** One CSV record (RFC 4180: comma-separated, CRLF, quotes doubled); lists are `;`-separated in one cell. */
export function csvLine(item: CdrItem): string {
  return `${CDR_FIELDS.map((field) => csvCell(field, item[field])).join(',')}\r\n`;
}

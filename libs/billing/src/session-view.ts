import type { RecordedEvent } from '@roamledger/event-store';
import {
  type CdrToken,
  currencyFindings,
  Money,
  PLAUSIBILITY_CODES,
  type PlausibilityCode,
  type Price,
  plausibilityFindings,
  type Session,
} from '@roamledger/ocpi';
import type { ProjectionTable, Row } from '@roamledger/projections';
import { quantity, upper, utc } from './cdr-ledger';

/**
 * The session view: each session's current status, kWh and cost so far, and how many CDRs bill it
 * (their ids are read from the ledger: a list here would be rewritten whole with each next CDR).
 */
export const SESSION_VIEW: ProjectionTable = {
  name: 'session_view',
  columns: [
    { name: 'country_code', type: 'text', required: true },
    { name: 'party_id', type: 'text', required: true },
    { name: 'session_key', type: 'text', required: true },
    { name: 'session_id', type: 'text', required: true },
    { name: 'status', type: 'text', required: true },
    { name: 'start_at', type: 'timestamptz', required: true },
    { name: 'end_at', type: 'timestamptz' },
    { name: 'energy_kwh', type: 'numeric', required: true },
    { name: 'currency', type: 'text', required: true },
    { name: 'cost_excl_vat', type: 'numeric' },
    { name: 'cost_incl_vat', type: 'numeric' },
    { name: 'token_uid', type: 'text', required: true },
    { name: 'token_type', type: 'text', required: true },
    { name: 'contract_id', type: 'text', required: true },
    { name: 'auth_method', type: 'text', required: true },
    { name: 'authorization_reference', type: 'text' },
    { name: 'location_id', type: 'text', required: true },
    { name: 'evse_uid', type: 'text', required: true },
    { name: 'connector_id', type: 'text', required: true },
    { name: 'last_updated', type: 'timestamptz', required: true },
    { name: 'cdr_count', type: 'integer', required: true },
    { name: 'findings', type: 'text[]', required: true },
    { name: 'stream', type: 'text', required: true },
    { name: 'started_position', type: 'bigint', required: true },
    { name: 'recorded_at', type: 'timestamptz', required: true },
    { name: 'position', type: 'bigint', required: true },
  ],
  primaryKey: ['session_key', 'country_code', 'party_id'],
  indexes: [
    ['start_at', 'country_code', 'party_id', 'session_key'],
    ['status', 'end_at'],
  ],
};

export const SESSION_FINDINGS = {
  /** The CPO sent a status change the spec does not allow (recorded, not applied). */
  statusTransitionFlagged: 'status_transition_flagged',
} as const;

/**
 * The row's figures as they stand, checked with the rule set CDRs are checked with on receipt
 * (libs/ocpi plausibility): negative or absurd kWh, cost and duration (end minus start), an end
 * before the start, dates outside 2010..2099, an unknown currency. Replaces the row's earlier
 * plausibility findings, so a later correction by the CPO clears them; other findings stay.
 */
export function checkSessionPlausibility(row: SessionViewRow): void {
  const found: PlausibilityCode[] = [
    ...plausibilityFindings({
      energy: { field: 'kwh', value: row.energy_kwh as string },
      ...(row.cost_excl_vat !== null ? { cost: { field: 'total_cost.excl_vat', value: row.cost_excl_vat as string } } : {}),
      start: { field: 'start_date_time', at: row.start_at as string },
      ...(row.end_at !== null ? { end: { field: 'end_date_time', at: row.end_at as string } } : {}),
      currency: row.currency as string,
    }),
    ...currencyFindings(row.currency as string),
  ].map((finding) => finding.code);
  const kept = row.findings.filter((code) => !PLAUSIBILITY_CODES.has(code as PlausibilityCode));
  row.findings = [...new Set([...kept, ...found])].sort();
}

export interface SessionViewRow extends Row {
  country_code: string;
  party_id: string;
  session_key: string;
  session_id: string;
  status: string;
  cdr_count: number;
  findings: string[];
  position: string;
}

function costs(total: Price | null | undefined, currency: string) {
  if (!total) return { cost_excl_vat: null, cost_incl_vat: null };
  return {
    cost_excl_vat: Money.of(total.excl_vat, currency).toString(),
    cost_incl_vat: total.incl_vat !== undefined && total.incl_vat !== null ? Money.of(total.incl_vat, currency).toString() : null,
  };
}

function token(cdrToken: CdrToken) {
  return { token_uid: cdrToken.uid, token_type: cdrToken.type, contract_id: cdrToken.contract_id };
}

export function sessionViewRow(event: RecordedEvent, session: Session): SessionViewRow {
  return {
    country_code: upper(session.country_code),
    party_id: upper(session.party_id),
    session_key: upper(session.id),
    session_id: session.id,
    status: session.status,
    start_at: utc(session.start_date_time),
    end_at: session.end_date_time ? utc(session.end_date_time) : null,
    energy_kwh: quantity(session.kwh),
    currency: upper(session.currency),
    ...costs(session.total_cost, session.currency),
    ...token(session.cdr_token),
    auth_method: session.auth_method,
    authorization_reference: session.authorization_reference ?? null,
    location_id: session.location_id,
    evse_uid: session.evse_uid,
    connector_id: session.connector_id,
    last_updated: utc(session.last_updated),
    cdr_count: 0,
    findings: [],
    stream: event.stream,
    started_position: String(event.position),
    recorded_at: event.recordedAt,
    position: String(event.position),
  };
}

/**
 * A SessionUpdated's changed fields onto the row (`null`: the field was removed). Fields the
 * view does not show (charging periods, meter id) change nothing here. Values are taken as sent
 * and normalised once per batch (normalizeSessionRow): meter updates are the bulk of the log.
 */
export function applySessionChanges(row: SessionViewRow, changes: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(changes)) {
    switch (field) {
      case 'start_date_time':
        if (typeof value === 'string') row.start_at = value;
        break;
      case 'end_date_time':
        row.end_at = typeof value === 'string' ? value : null;
        break;
      case 'kwh':
        if (typeof value === 'number' || typeof value === 'string') row.energy_kwh = value as string;
        break;
      case 'currency':
        if (typeof value === 'string') row.currency = value;
        break;
      case 'total_cost': {
        const price = value as Price | null;
        row.cost_excl_vat = price ? (price.excl_vat as unknown as string) : null;
        row.cost_incl_vat =
          price?.incl_vat !== undefined && price.incl_vat !== null ? (price.incl_vat as unknown as string) : null;
        break;
      }
      case 'cdr_token':
        if (value) Object.assign(row, token(value as CdrToken));
        break;
      case 'auth_method':
      case 'location_id':
      case 'evse_uid':
      case 'connector_id':
        if (typeof value === 'string') row[field] = value;
        break;
      case 'authorization_reference':
        row.authorization_reference = typeof value === 'string' ? value : null;
        break;
    }
  }
}

/**
 * Times to ISO 8601 UTC, quantities to canonical decimals, costs rounded by the one money rule.
 * Idempotent, so a row read back from the table comes out unchanged.
 */
export function normalizeSessionRow(row: SessionViewRow): void {
  const currency = upper(row.currency as string);
  row.currency = currency;
  row.start_at = utc(row.start_at as string);
  row.end_at = row.end_at === null ? null : utc(row.end_at as string);
  row.last_updated = utc(row.last_updated as string);
  row.energy_kwh = quantity(row.energy_kwh as string);
  row.cost_excl_vat = row.cost_excl_vat === null ? null : Money.of(row.cost_excl_vat as string, currency).toString();
  row.cost_incl_vat = row.cost_incl_vat === null ? null : Money.of(row.cost_incl_vat as string, currency).toString();
}

export function touch(row: { position: string; recorded_at?: unknown }, event: RecordedEvent): void {
  row.position = String(event.position);
  row.recorded_at = event.recordedAt;
}

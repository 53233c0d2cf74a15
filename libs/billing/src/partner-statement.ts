import { decimalOf, Money } from '@roamledger/ocpi';
import type { ProjectionTable, Row, SqlParams } from '@roamledger/projections';
import type { CdrLedgerRow } from './cdr-ledger';

/**
 * Partner statements: per CPO (country_code, party_id), statement month (in the billing time
 * zone, by CDR end time) and currency, what the ledger's CDRs add up to with credits netted out.
 * Amounts are sums of the rows' rounded amounts: nothing rounds a second time.
 */
export const PARTNER_STATEMENTS: ProjectionTable = {
  name: 'partner_statements',
  columns: [
    { name: 'country_code', type: 'text', required: true },
    { name: 'party_id', type: 'text', required: true },
    { name: 'month', type: 'text', required: true },
    { name: 'currency', type: 'text', required: true },
    { name: 'cdr_count', type: 'integer', required: true },
    // The sessions the CDRs bill: each session once, in the statement of its first CDR.
    { name: 'session_count', type: 'integer', required: true },
    { name: 'credit_count', type: 'integer', required: true },
    { name: 'energy_kwh', type: 'numeric', required: true },
    { name: 'amount_excl_vat', type: 'numeric', required: true },
    { name: 'amount_incl_vat', type: 'numeric', required: true },
    // CDRs (or credits) without an amount incl. VAT: amount_incl_vat leaves them out.
    { name: 'incl_vat_missing', type: 'integer', required: true },
    { name: 'position', type: 'bigint', required: true },
  ],
  primaryKey: ['country_code', 'party_id', 'month', 'currency'],
  indexes: [['month']],
};

export interface PartnerStatementRow extends Row {
  country_code: string;
  party_id: string;
  month: string;
  currency: string;
  cdr_count: number;
  session_count: number;
  credit_count: number;
  energy_kwh: string;
  amount_excl_vat: string;
  amount_incl_vat: string;
  incl_vat_missing: number;
  position: string;
}

export function statementKey(row: { country_code: string; party_id: string; month: string; currency: string }): string {
  return `${row.country_code}\u0000${row.party_id}\u0000${row.month}\u0000${row.currency}`;
}

export function emptyStatement(cdr: CdrLedgerRow): PartnerStatementRow {
  return {
    country_code: cdr.country_code,
    party_id: cdr.party_id,
    month: cdr.statement_month,
    currency: cdr.currency,
    cdr_count: 0,
    session_count: 0,
    credit_count: 0,
    energy_kwh: '0',
    amount_excl_vat: Money.zero(cdr.currency).toString(),
    amount_incl_vat: Money.zero(cdr.currency).toString(),
    incl_vat_missing: 0,
    position: '-1',
  };
}

/**
 * Adds a ledger row to its statement. A credit counts against the statement whatever sign the
 * CPO gave its figures (mod_cdrs asks for negated totals; a credit that did not negate them
 * carries the CDRs module's finding credit_total_not_negated), so credits always net out.
 */
export function addToStatement(statement: PartnerStatementRow, cdr: CdrLedgerRow, position: number): void {
  const signed = (value: string) => (cdr.credit ? decimalOf(value).abs().negated() : decimalOf(value));
  if (cdr.credit) statement.credit_count += 1;
  else statement.cdr_count += 1;
  if (cdr.first_of_session_key) statement.session_count += 1;
  statement.energy_kwh = decimalOf(statement.energy_kwh).plus(signed(cdr.energy_kwh)).toFixed();
  statement.amount_excl_vat = Money.of(statement.amount_excl_vat, cdr.currency)
    .plus(Money.of(signed(cdr.amount_excl_vat), cdr.currency))
    .toString();
  if (cdr.amount_incl_vat === null) statement.incl_vat_missing += 1;
  else {
    statement.amount_incl_vat = Money.of(statement.amount_incl_vat, cdr.currency)
      .plus(Money.of(signed(cdr.amount_incl_vat), cdr.currency))
      .toString();
  }
  statement.position = String(position);
}

/**
 * An INSERT adding per-batch deltas to the stored statements. Money keeps the currency's scale
 * through the sum; energy is trimmed to its canonical form (as decimal.js writes it), so the
 * stored text does not depend on how the log was cut into batches.
 */
export function addToStatementsSql(physical: string, params: SqlParams, deltas: PartnerStatementRow[]): string | undefined {
  if (deltas.length === 0) return undefined;
  const columns = PARTNER_STATEMENTS.columns;
  const names = columns.map((c) => c.name).join(', ');
  return `INSERT INTO ${physical} AS s (${names})
     SELECT ${names} FROM json_to_recordset(${params.add(JSON.stringify(deltas))}::json) AS r(${columns.map((c) => `${c.name} ${c.type}`).join(', ')})
     ON CONFLICT (country_code, party_id, month, currency) DO UPDATE SET
       cdr_count = s.cdr_count + EXCLUDED.cdr_count,
       session_count = s.session_count + EXCLUDED.session_count,
       credit_count = s.credit_count + EXCLUDED.credit_count,
       energy_kwh = trim_scale(s.energy_kwh + EXCLUDED.energy_kwh),
       amount_excl_vat = s.amount_excl_vat + EXCLUDED.amount_excl_vat,
       amount_incl_vat = s.amount_incl_vat + EXCLUDED.amount_incl_vat,
       incl_vat_missing = s.incl_vat_missing + EXCLUDED.incl_vat_missing,
       position = EXCLUDED.position`;
}

import type { SqlClient } from '@roamledger/event-store';
import { decimalOf } from '@roamledger/ocpi';
import { projectionPosition, type Row, type SqlQuery, selectList } from '@roamledger/projections';
import { BILLING_PROJECTION } from '../billing.projection';
import { CDR_LEDGER, type CdrLedgerRow } from '../cdr-ledger';
import { CDR_PRICING, SESSION_PRICING } from '../cdr-pricing.projection';
import { addToStatement, emptyStatement, PARTNER_STATEMENTS, type PartnerStatementRow, statementKey } from '../partner-statement';
import { SESSION_VIEW } from '../session-view';

export interface CdrFilter {
  country_code?: string;
  party_id?: string;
  /** Inclusive, on end time. */
  from?: Date;
  /** Exclusive, on end time. */
  to?: Date;
  currency?: string;
  contract_id?: string;
  token_uid?: string;
  location_id?: string;
  /** Our party the CDR bills (`NL*RLG`). */
  emsp_party?: string;
  finding?: string;
  credit?: boolean;
}

export interface SessionFilter {
  country_code?: string;
  party_id?: string;
  status?: string;
  finding?: string;
  /** Only COMPLETED sessions without a CDR that ended before this instant. */
  cdrDueBefore?: Date;
}

/** Where a page ends: the sort key of its last row. */
export type PageKey = string[];

export interface Page<T> {
  rows: T[];
  next?: PageKey;
  /** The billing projection's position the rows were read at (same snapshot). */
  position: number;
}

const CDR_ORDER = ['end_at', 'country_code', 'party_id', 'cdr_key'];

/**
 * A ledger row with its cost check (the pricing projection's cdr_pricing row, when it has one):
 * the two projections share the database, so one statement reads both in the same snapshot.
 */
const PRICED_CDRS = `${CDR_LEDGER.name} t LEFT JOIN ${CDR_PRICING.name} p
  ON p.cdr_key = t.cdr_key AND p.country_code = t.country_code AND p.party_id = t.party_id`;
const PRICED_COLUMNS = [
  'p.status AS pricing_status',
  'p.reason AS pricing_reason',
  'p.finding AS cost_finding',
  'p.priced_excl_vat::text AS priced_excl_vat',
  'p.priced_incl_vat::text AS priced_incl_vat',
  'p.difference_excl_vat::text AS cost_difference_excl_vat',
  'p.difference_incl_vat::text AS cost_difference_incl_vat',
  'p.tariffs AS priced_with',
].join(', ');
/** A session view row with its cost so far (the pricing projection's session_pricing row). */
const PRICED_SESSIONS = `${SESSION_VIEW.name} t LEFT JOIN ${SESSION_PRICING.name} sp
  ON sp.session_key = t.session_key AND sp.country_code = t.country_code AND sp.party_id = t.party_id`;
/** The ids of the CDRs that bill a session (credits not), in the order JavaScript sorts such ids. */
const SESSION_CDR_IDS = `ARRAY(SELECT l.cdr_id FROM ${CDR_LEDGER.name} l
  WHERE l.session_key = t.session_key AND l.country_code = t.country_code AND l.party_id = t.party_id AND NOT l.credit
  ORDER BY l.cdr_id COLLATE "C")`;
const sessionSelect = () =>
  `SELECT ${selectList(SESSION_VIEW)}, sp.status AS cost_so_far_status, sp.reason AS cost_so_far_reason,
          sp.cost_excl_vat::text AS cost_so_far_excl_vat, sp.cost_incl_vat::text AS cost_so_far_incl_vat,
          sp.tariffs AS cost_so_far_tariffs, ${SESSION_CDR_IDS} AS cdr_ids
     FROM ${PRICED_SESSIONS}`;
const cdrSelect = (withBreakdown = false) =>
  `SELECT ${selectList(CDR_LEDGER)}, ${PRICED_COLUMNS}${withBreakdown ? ', p.breakdown AS pricing_breakdown, p.time_zone AS pricing_time_zone' : ''} FROM ${PRICED_CDRS}`;
const SESSION_ORDER = ['start_at', 'country_code', 'party_id', 'session_key'];

/** Reads of the billing tables (their views), each with the position it was read at. */
export class BillingReadModel {
  constructor(private readonly db: SqlClient) {}

  /** Runs `work` in one read-only snapshot and returns its result with the projection position. */
  async snapshot<T>(work: (tx: SqlQuery) => Promise<T>): Promise<{ result: T; position: number }> {
    return this.db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const position = await projectionPosition(tx, BILLING_PROJECTION);
      return { result: await work(tx), position };
    });
  }

  async cdrPage(filter: CdrFilter, after: PageKey | undefined, limit: number): Promise<Page<Row>> {
    const { result, position } = await this.snapshot((tx) => this.cdrRows(tx, filter, after, limit + 1));
    return paged(result, limit, CDR_ORDER, position);
  }

  cdrRows(tx: SqlQuery, filter: CdrFilter, after: PageKey | undefined, limit: number): Promise<Row[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.country_code) where.push(`t.country_code = ${param(filter.country_code)}`);
    if (filter.party_id) where.push(`t.party_id = ${param(filter.party_id)}`);
    if (filter.from) where.push(`t.end_at >= ${param(filter.from.toISOString())}::timestamptz`);
    if (filter.to) where.push(`t.end_at < ${param(filter.to.toISOString())}::timestamptz`);
    if (filter.currency) where.push(`t.currency = ${param(filter.currency)}`);
    if (filter.contract_id) where.push(`upper(t.contract_id) = upper(${param(filter.contract_id)})`);
    if (filter.token_uid) where.push(`t.token_uid = ${param(filter.token_uid)}`);
    if (filter.location_id) where.push(`t.location_id = ${param(filter.location_id)}`);
    if (filter.emsp_party) where.push(`t.emsp_party = ${param(filter.emsp_party)}`);
    if (filter.finding) {
      const finding = param(filter.finding);
      where.push(`(${finding} = ANY (t.findings) OR ${finding} = ANY (t.receipt_findings) OR p.finding = ${finding})`);
    }
    if (filter.credit !== undefined) where.push(`t.credit = ${param(filter.credit)}`);
    if (after) {
      where.push(
        `(t.end_at, t.country_code, t.party_id, t.cdr_key) > (${param(after[0])}::timestamptz, ${param(after[1])}, ${param(after[2])}, ${param(after[3])})`,
      );
    }
    return tx.query<Row>(
      `${cdrSelect()}
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY ${CDR_ORDER.map((c) => `t.${c}`).join(', ')} LIMIT ${Math.floor(limit)}`,
      params,
    );
  }

  /** A CDR with the credits that credit it and, for a credit, its original. */
  async cdr(countryCode: string, partyId: string, cdrId: string) {
    return this.snapshot(async (tx) => {
      const key = [countryCode.toUpperCase(), partyId.toUpperCase(), cdrId.toUpperCase()];
      const byKey = async (cdrKey: string) =>
        (
          await tx.query<Row>(`${cdrSelect(true)} WHERE t.country_code = $1 AND t.party_id = $2 AND t.cdr_key = $3`, [
            key[0],
            key[1],
            cdrKey,
          ])
        )[0];
      const row = await byKey(key[2]);
      if (!row) return undefined;
      const credits = await tx.query<Row>(
        `${cdrSelect()}
          WHERE t.country_code = $1 AND t.party_id = $2 AND t.credit_reference_key = $3 AND t.credit ORDER BY t.cdr_key`,
        key,
      );
      const original = row.credit_reference_key ? await byKey(String(row.credit_reference_key)) : undefined;
      return { row, credits, original };
    });
  }

  async sessionPage(filter: SessionFilter, after: PageKey | undefined, limit: number): Promise<Page<Row>> {
    const { result, position } = await this.snapshot((tx) => {
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (filter.country_code) where.push(`t.country_code = ${param(filter.country_code)}`);
      if (filter.party_id) where.push(`t.party_id = ${param(filter.party_id)}`);
      if (filter.status) where.push(`t.status = ${param(filter.status)}`);
      if (filter.finding) where.push(`${param(filter.finding)} = ANY (t.findings)`);
      if (filter.cdrDueBefore) {
        where.push(
          `t.status = 'COMPLETED' AND t.cdr_count = 0 AND coalesce(t.end_at, t.last_updated) < ${param(filter.cdrDueBefore.toISOString())}::timestamptz`,
        );
      }
      if (after) {
        where.push(
          `(t.start_at, t.country_code, t.party_id, t.session_key) > (${param(after[0])}::timestamptz, ${param(after[1])}, ${param(after[2])}, ${param(after[3])})`,
        );
      }
      return tx.query<Row>(
        `${sessionSelect()}
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY ${SESSION_ORDER.map((c) => `t.${c}`).join(', ')} LIMIT ${Math.floor(limit + 1)}`,
        params,
      );
    });
    return paged(result, limit, SESSION_ORDER, position);
  }

  /** A session with the CDRs (and credits) that name it. */
  async session(countryCode: string, partyId: string, sessionId: string) {
    return this.snapshot(async (tx) => {
      const key = [countryCode.toUpperCase(), partyId.toUpperCase(), sessionId.toUpperCase()];
      const [row] = await tx.query<Row>(
        `${sessionSelect()} WHERE t.country_code = $1 AND t.party_id = $2 AND t.session_key = $3`,
        key,
      );
      if (!row) return undefined;
      const cdrs = await tx.query<Row>(
        `${cdrSelect()}
          WHERE t.country_code = $1 AND t.party_id = $2 AND t.session_key = $3 ORDER BY t.end_at, t.cdr_key`,
        key,
      );
      return { row, cdrs };
    });
  }

  async statements(month: string, filter: { country_code?: string; party_id?: string; currency?: string; emsp_party?: string }) {
    if (filter.emsp_party) return this.statementsOf(filter.emsp_party, month, filter);
    return this.snapshot((tx) => {
      const where = ['t.month = $1'];
      const params: unknown[] = [month];
      for (const column of ['country_code', 'party_id', 'currency'] as const) {
        if (filter[column]) {
          params.push(filter[column]);
          where.push(`t.${column} = $${params.length}`);
        }
      }
      // The disputed amount: what the CPO billed beyond its tariff on the CDRs with a CdrCostMismatch.
      return tx.query<Row>(
        `SELECT ${selectList(PARTNER_STATEMENTS)}, d.disputed_cdr_count, d.disputed_excl_vat::text AS disputed_excl_vat,
                d.disputed_incl_vat::text AS disputed_incl_vat
           FROM ${PARTNER_STATEMENTS.name} t
           LEFT JOIN (
             SELECT l.country_code, l.party_id, l.currency, count(*)::integer AS disputed_cdr_count,
                    sum(p.difference_excl_vat) AS disputed_excl_vat, sum(p.difference_incl_vat) AS disputed_incl_vat
               FROM ${CDR_PRICING.name} p JOIN ${CDR_LEDGER.name} l
                 ON l.cdr_key = p.cdr_key AND l.country_code = p.country_code AND l.party_id = p.party_id
              WHERE p.finding IS NOT NULL AND l.statement_month = $1
              GROUP BY l.country_code, l.party_id, l.currency
           ) d ON d.country_code = t.country_code AND d.party_id = t.party_id AND d.currency = t.currency
          WHERE ${where.join(' AND ')}
          ORDER BY t.country_code, t.party_id, t.currency`,
        params,
      );
    });
  }

  /** One of our parties' statements: computed from its ledger rows of the month, in one snapshot. */
  private statementsOf(
    emspParty: string,
    month: string,
    filter: { country_code?: string; party_id?: string; currency?: string },
  ) {
    return this.snapshot(async (tx) => {
      const where = ['t.statement_month = $1', 't.emsp_party = $2'];
      const params: unknown[] = [month, emspParty];
      for (const column of ['country_code', 'party_id', 'currency'] as const) {
        if (filter[column]) {
          params.push(filter[column]);
          where.push(`t.${column} = $${params.length}`);
        }
      }
      // With each row's cost check: the disputed amounts, by the same rule as the CPO statements'.
      const rows = await tx.query<Row>(
        `SELECT ${selectList(CDR_LEDGER)}, p.finding AS cost_finding, p.difference_excl_vat::text AS cost_difference_excl_vat,
                p.difference_incl_vat::text AS cost_difference_incl_vat
           FROM ${PRICED_CDRS} WHERE ${where.join(' AND ')} ORDER BY t.position`,
        params,
      );
      return statementsFromLedger(rows);
    });
  }
}

type DisputedStatement = PartnerStatementRow & {
  disputed_cdr_count: number;
  disputed_excl_vat: string;
  disputed_incl_vat: string;
};

/**
 * Statements of one of our parties, from its ledger rows by the statements' own rule
 * (addToStatement), and the disputed amounts as statements() sums them: the cost differences of
 * the rows with a cost finding (an incl. VAT difference only where there is one).
 */
function statementsFromLedger(rows: Row[]): Row[] {
  const statements = new Map<string, DisputedStatement>();
  for (const row of rows) {
    const cdr = row as CdrLedgerRow;
    const key = statementKey({ ...cdr, month: cdr.statement_month });
    const statement = statements.get(key) ?? {
      ...emptyStatement(cdr),
      disputed_cdr_count: 0,
      disputed_excl_vat: '0',
      disputed_incl_vat: '0',
    };
    statements.set(key, statement);
    addToStatement(statement, cdr, Number(cdr.position));
    if (row.cost_finding === null || row.cost_finding === undefined) continue;
    const add = (sum: string, difference: unknown) =>
      typeof difference === 'string' ? decimalOf(sum).plus(difference).toFixed() : sum;
    statement.disputed_cdr_count += 1;
    statement.disputed_excl_vat = add(statement.disputed_excl_vat, row.cost_difference_excl_vat);
    statement.disputed_incl_vat = add(statement.disputed_incl_vat, row.cost_difference_incl_vat);
  }
  return [...statements.values()].sort((a, b) => statementKey(a).localeCompare(statementKey(b)));
}

function paged(rows: Row[], limit: number, order: string[], position: number): Page<Row> {
  if (rows.length <= limit) return { rows, position };
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: order.map((column) => String(last[column])), position };
}

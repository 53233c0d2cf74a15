import type { SqlClient } from '@roamledger/event-store';
import type { Token } from '@roamledger/ocpi';
import { type Row, selectList } from '@roamledger/projections';
import { AUTHORIZATIONS_TABLE, TOKEN_FINDINGS_TABLE, TOKENS_TABLE } from './token-register.projection';

export interface TokenFilter {
  /** Only these parties (CC*PID pairs, upper case). */
  parties?: Array<{ countryCode: string; partyId: string }>;
  country_code?: string;
  party_id?: string;
  type?: string;
  contract_id?: string;
  valid?: boolean;
  /** last_updated >= */
  dateFrom?: Date;
  /** last_updated < */
  dateTo?: Date;
}

/** Reads of the token register projection (its views). */
export class TokenReadModel {
  constructor(private readonly db: SqlClient) {}

  /** One page in (last_updated, key) order, and how many match. */
  async page(filter: TokenFilter, offset: number, limit: number): Promise<{ tokens: Token[]; total: number }> {
    const { where, params } = whereOf(filter);
    const [rows, counts] = await Promise.all([
      this.db.query<{ token: string }>(
        `SELECT token FROM ${TOKENS_TABLE.name} t WHERE ${where}
           ORDER BY last_updated, country_code, party_id, type, uid_key OFFSET ${Number(offset)} LIMIT ${Number(limit)}`,
        params,
      ),
      this.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${TOKENS_TABLE.name} t WHERE ${where}`, params),
    ]);
    return { tokens: rows.map((row) => JSON.parse(row.token) as Token), total: Number(counts[0].n) };
  }

  async authorization(reference: string): Promise<Row | undefined> {
    const [row] = await this.db.query<Row>(
      `SELECT ${selectList(AUTHORIZATIONS_TABLE)} FROM ${AUTHORIZATIONS_TABLE.name} t WHERE reference = $1`,
      [reference.toUpperCase()],
    );
    return row;
  }

  async findingsAfter(position: number, limit: number): Promise<FindingRow[]> {
    return this.db.query<FindingRow>(
      `SELECT stream, finding, reference, detail, position FROM ${TOKEN_FINDINGS_TABLE.name} t
         WHERE position::bigint > $1 ORDER BY position::bigint, stream, finding LIMIT ${Number(limit)}`,
      [position],
    );
  }

  async findings(finding?: string): Promise<Row[]> {
    return this.db.query<Row>(
      `SELECT ${selectList(TOKEN_FINDINGS_TABLE)} FROM ${TOKEN_FINDINGS_TABLE.name} t
         WHERE ($1::text IS NULL OR finding = $1) ORDER BY position`,
      [finding ?? null],
    );
  }
}

/** A finding row, with the global position of the event that showed it. */
export interface FindingRow {
  stream: string;
  finding: string;
  reference: string | null;
  detail: string;
  position: string;
}

export interface FindingsAfter {
  /** Findings shown by events after `position`, in log order, at most `limit`. */
  findingsAfter(position: number, limit: number): Promise<FindingRow[]>;
}

function whereOf(filter: TokenFilter): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const parts: string[] = ['true'];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    parts.push(sql(`$${params.length}`));
  };
  if (filter.parties) {
    add(
      (p) => `(country_code || '*' || party_id) = ANY(${p}::text[])`,
      filter.parties.map((p) => `${p.countryCode}*${p.partyId}`.toUpperCase()),
    );
  }
  if (filter.country_code) add((p) => `country_code = ${p}`, filter.country_code.toUpperCase());
  if (filter.party_id) add((p) => `party_id = ${p}`, filter.party_id.toUpperCase());
  if (filter.type) add((p) => `type = ${p}`, filter.type.toUpperCase());
  if (filter.contract_id) add((p) => `contract_id = ${p}`, filter.contract_id);
  if (filter.valid !== undefined) add((p) => `valid = ${p}`, filter.valid);
  if (filter.dateFrom) add((p) => `last_updated >= ${p}`, filter.dateFrom.toISOString());
  if (filter.dateTo) add((p) => `last_updated < ${p}`, filter.dateTo.toISOString());
  return { where: parts.join(' AND '), params };
}

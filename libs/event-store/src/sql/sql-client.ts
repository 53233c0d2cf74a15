/** The little the SQL event store needs from a database: PGlite and node-postgres both provide it. */
export interface SqlClient {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs `work` in one transaction on one connection; rolls back when it throws. */
  transaction<T>(work: (tx: SqlQuery) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` for each NOTIFY on `channel` (from any process) with its payload, and without
   * one after a lost connection is back (notifications may have been missed); resolves once
   * listening. Optional: a client without it leaves subscribers to their polling.
   */
  listen?(channel: string, onNotify: (payload?: string) => void): Promise<void>;
  /**
   * Optional: one statement whose values are already literals in its text, with its rows, in the
   * simple query protocol (PGlite: one message where parameters take five, the append's largest fixed cost).
   */
  queryText?<R = Record<string, unknown>>(sql: string): Promise<R[]>;
  /** Runs one or more statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export type SqlQuery = Pick<SqlClient, 'query'>;

/**
 * A timestamptz as the ISO text JavaScript writes (UTC, milliseconds): selected this way, every
 * driver hands back the same string, with no timestamp parse and Date per row.
 */
export function isoTimestampSql(expression: string): string {
  return `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

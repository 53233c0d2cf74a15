import type { EventFilter, RecordedEvent, SqlClient } from '@roamledger/event-store';

/** A connection or transaction that runs queries (the part of SqlClient a projection needs). */
export type SqlQuery = Pick<SqlClient, 'query'>;

/** One column of a projection table: its SQL type drives how rows are read back and written. */
export interface ProjectionColumn {
  name: string;
  type: 'text' | 'text[]' | 'numeric' | 'bigint' | 'integer' | 'boolean' | 'timestamptz';
  /** NOT NULL; columns are nullable unless said. */
  required?: boolean;
}

/** A table a projection owns. Readers query it by `name` (a view on the active build's table). */
export interface ProjectionTable {
  name: string;
  columns: readonly ProjectionColumn[];
  primaryKey: readonly string[];
  /** Column lists to index, e.g. `['end_at', 'country_code']`. */
  indexes?: ReadonlyArray<readonly string[]>;
}

export interface ProjectionContext {
  /** The transaction the batch runs in, with its position update: all or nothing. */
  db: SqlQuery;
  /** The physical table behind a logical table name, in the build being written. */
  table(name: string): string;
}

/**
 * A read model built from the log alone. `apply` must be a pure function of the events and the
 * rows it reads: no clock, no randomness, no other source, so a rebuild from position 0 produces
 * the same rows byte for byte. Changing what it writes means raising `version`.
 */
export interface Projection {
  /** Lower-case identifier, unique across projections. */
  readonly name: string;
  readonly version: number;
  /** Settings that change the rows (a time zone, say): part of the build's identity, like the version. */
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly tables: readonly ProjectionTable[];
  /** Only these events reach `apply`; the position still advances over the others. */
  readonly filter?: EventFilter;
  /** Applies events in log order (ascending positions), within the batch transaction. */
  apply(events: readonly RecordedEvent[], context: ProjectionContext): Promise<void>;
}

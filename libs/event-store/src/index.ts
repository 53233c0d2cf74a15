export * from './abortable';
export * from './decider';
export * from './event-store.port';
export * from './hash-chain';
export * from './hash-pool';
export { KurrentDbEventStore } from './kurrentdb';
export * from './open-event-store';
export { openPgliteClient, removePgliteFolder } from './sql/pglite-client';
export { openPostgresClient, POSTGRES_APPLICATION_NAME } from './sql/postgres-client';
export { SCHEMA_SQL } from './sql/schema';
export { isoTimestampSql, type SqlClient } from './sql/sql-client';
export { type GroupCommitStats, SqlEventStore, type StoredEventText } from './sql/sql-event-store';
export * from './store-unavailable';
export {
  type KnownStream,
  SNAPSHOT_EVERY_EVENTS,
  SNAPSHOT_ON_DROP_EVENTS,
  STREAM_STATE_LIMIT,
  snapshotKey,
  streamStatesOf,
} from './stream-states';

export * from './event-store.port';
export * from './hash-chain';
export * from './open-event-store';
export { openPgliteClient } from './sql/pglite-client';
export { openPostgresClient } from './sql/postgres-client';
export type { SqlClient } from './sql/sql-client';
export { SqlEventStore } from './sql/sql-event-store';
export * from './decider';
export { KurrentDbEventStore } from './kurrentdb';

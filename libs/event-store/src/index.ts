export * from './decider';
export * from './event-store.port';
export * from './hash-chain';
export { KurrentDbEventStore } from './kurrentdb';
export * from './open-event-store';
export { openPgliteClient } from './sql/pglite-client';
export { openPostgresClient } from './sql/postgres-client';
export type { SqlClient } from './sql/sql-client';
export { SqlEventStore } from './sql/sql-event-store';

/**
 * Projections: read models built from the event log alone.
 *
 * - `Projection` (projection.ts): name, version, settings, the tables it owns, and a pure `apply`.
 * - `ProjectionRunner`: the feed-independent core. `handle(events)` applies a batch in log order
 *   to one build, skipping positions it already holds, and moves the build's position in the same
 *   transaction (so redelivery is harmless and a crash loses nothing half-done). Any feed can call
 *   it, in ascending position order; resume at `runner.position + 1`.
 * - `LogFollower`: feeds a runner from a checkpointed `subscribeToAll` (the store checkpoint is
 *   moved after each committed batch), reading ahead while the previous batch is applied.
 * - `ProjectionHost`: keeps projections current in one process, with versioned builds (builds.ts):
 *   tables `<table>__b<n>` per build, views `<table>` on the active one; a build whose fingerprint
 *   (name, version, settings, table definitions) differs from the code's is rebuilt from position
 *   0 beside the active build, and one transaction switches the views once it has caught up.
 *   `PROJECTION_EVENT_SOURCE` (optional DI token) lets a service feed it from another EventStore,
 *   e.g. libs/messaging's KafkaFedEventStore.
 * - `openProjectionDb`: PostgreSQL (DATABASE_URL, schema rl_projections) or a PGlite folder
 *   (DATA_DIR/projections).
 * - table-sql.ts: row loads and upserts for load-fold-store projections (`loadRowSets`,
 *    `upsertSql`, `writeAll`: a batch reads its rows in one round trip and writes them in one).
 *
 * For auditors (`replay`):
 *
 * ```ts
 * const target = await openPgliteClient(freshFolder); // or openPostgresClient({ connectionString, schema: fresh })
 * const report = await rebuildProjections({ store, target, projections: [billingProjection(billingSettings(config))], toPosition });
 * // report.projections[i].tables[j].sha256: digest of each table rebuilt from position 0
 * const live = await digestProjection(liveDb, projection); // same digests when live.position === toPosition
 * ```
 *
 * - `rebuildProjections({ store, target, projections, toPosition?, batchSize? })`: builds every
 *   projection from position 0 into `target` (a fresh PGlite folder or PostgreSQL schema) up to
 *   `toPosition` (default: the head when it starts), activates the builds there, and returns
 *   `{ position, projections: ProjectionDigest[] }`. Reads the log only: no checkpoint is written.
 * - `digestTable(db, relation)`: hex sha256 over the rows, one line per row (`to_jsonb(row)::text`
 *   + "\n"), sorted by that text in byte order, in one REPEATABLE READ snapshot with TimeZone UTC:
 *   equal rows give equal digests on PostgreSQL and PGlite, whatever the physical order.
 * - `digestProjection(db, projection)`: the digests of a projection's tables (its active build)
 *   and the position they were built to, from one snapshot.
 * - `projectionPosition(db, name)`, `activeBuild(db, name)`, `projectionFingerprint(projection)`:
 *   where the live build stands and whether it is the code's version.
 */
export * from './builds';
export * from './digest';
export * from './log-follower';
export * from './projection';
export * from './projection-db';
export * from './projection-host';
export * from './projection-runner';
export * from './rebuild';
export * from './table-sql';

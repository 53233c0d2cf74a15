import { createHash, randomUUID } from 'node:crypto';
import { type SqlClient } from '@roamledger/event-store';
import { canonicalJson } from '@roamledger/kernel';
import type { Projection, SqlQuery } from './projection';
import { createTableSql, identifier } from './table-sql';

/**
 * Versioned builds. Each build of a projection has its own tables, `<table>__b<build>`; readers
 * query `<table>`, a view on the active build's table. A new version is built beside the active
 * one while that keeps serving and following the log; once it has caught up, one transaction
 * repoints the views and marks it active (the switch), then the old tables are dropped.
 *
 * rl_projection_builds is the pointer and the checkpoint: `position` is the last log position a
 * build has applied, updated in the same transaction as its rows.
 */
const MIGRATION_LOCK_KEY = 7_310_442_017;

const REGISTRY_SQL = `
CREATE TABLE IF NOT EXISTS rl_projection_builds (
  projection text NOT NULL,
  build integer NOT NULL,
  version integer NOT NULL,
  fingerprint text NOT NULL,
  -- names this build's checkpoint in the event store: a fresh database never inherits an old one
  uid text NOT NULL,
  state text NOT NULL CHECK (state IN ('building', 'active', 'retired')),
  position bigint NOT NULL DEFAULT -1,
  created_at timestamptz NOT NULL DEFAULT now(),
  activated_at timestamptz,
  retired_at timestamptz,
  PRIMARY KEY (projection, build)
);
CREATE UNIQUE INDEX IF NOT EXISTS rl_projection_builds_one_active ON rl_projection_builds (projection) WHERE state = 'active';
-- events a build could not apply and stepped over (projection-runner.ts): the build is incomplete
CREATE TABLE IF NOT EXISTS rl_projection_poison (
  projection text NOT NULL,
  build integer NOT NULL,
  position bigint NOT NULL,
  event_id text NOT NULL,
  stream text NOT NULL,
  type text NOT NULL,
  error text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, build, position)
);
`;

export type BuildState = 'building' | 'active' | 'retired';

export interface ProjectionBuild {
  projection: string;
  build: number;
  version: number;
  fingerprint: string;
  uid: string;
  state: BuildState;
  position: number;
}

interface BuildRow {
  projection: string;
  build: number | string;
  version: number | string;
  fingerprint: string;
  uid: string;
  state: BuildState;
  position: number | string | bigint;
}

const toBuild = (row: BuildRow): ProjectionBuild => ({
  projection: row.projection,
  build: Number(row.build),
  version: Number(row.version),
  fingerprint: row.fingerprint,
  uid: row.uid,
  state: row.state,
  position: Number(row.position),
});

/** What identifies a build's contents: name, version, settings and table definitions. */
export function projectionFingerprint(projection: Projection): string {
  return createHash('sha256')
    .update(
      canonicalJson({
        name: projection.name,
        version: projection.version,
        settings: projection.settings ?? {},
        tables: projection.tables,
      }),
    )
    .digest('hex');
}

export function physicalTable(table: string, build: number): string {
  return `${identifier(table)}__b${build}`;
}

/** Creates rl_projection_builds when missing (idempotent, under an advisory lock). */
export async function ensureRegistry(db: SqlClient): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    for (const statement of REGISTRY_SQL.split(';').filter((s) => s.trim())) await tx.query(statement);
  });
}

export async function listBuilds(db: SqlQuery, projection: string): Promise<ProjectionBuild[]> {
  const rows = await db.query<BuildRow>(
    'SELECT projection, build, version, fingerprint, uid, state, position FROM rl_projection_builds WHERE projection = $1 ORDER BY build',
    [projection],
  );
  return rows.map(toBuild);
}

export async function activeBuild(db: SqlQuery, projection: string): Promise<ProjectionBuild | undefined> {
  return (await listBuilds(db, projection)).find((build) => build.state === 'active');
}

export async function readBuild(
  db: SqlQuery,
  projection: string,
  build: number,
  lock = false,
): Promise<ProjectionBuild | undefined> {
  const rows = await db.query<BuildRow>(
    `SELECT projection, build, version, fingerprint, uid, state, position FROM rl_projection_builds
      WHERE projection = $1 AND build = $2${lock ? ' FOR UPDATE' : ''}`,
    [projection, build],
  );
  return rows.length ? toBuild(rows[0]) : undefined;
}

/** A new build with empty tables, state `building`, position -1. */
export async function createBuild(db: SqlClient, projection: Projection): Promise<ProjectionBuild> {
  identifier(projection.name);
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    const [{ next }] = await tx.query<{ next: number | string }>(
      'SELECT coalesce(max(build), 0) + 1 AS next FROM rl_projection_builds WHERE projection = $1',
      [projection.name],
    );
    const build = Number(next);
    for (const table of projection.tables) {
      for (const statement of createTableSql(table, physicalTable(table.name, build))
        .split(';')
        .filter((s) => s.trim())) {
        await tx.query(statement);
      }
    }
    const rows = await tx.query<BuildRow>(
      `INSERT INTO rl_projection_builds (projection, build, version, fingerprint, uid, state)
       VALUES ($1, $2, $3, $4, $5, 'building')
       RETURNING projection, build, version, fingerprint, uid, state, position`,
      [projection.name, build, projection.version, projectionFingerprint(projection), randomUUID()],
    );
    return toBuild(rows[0]);
  });
}

/**
 * The switch: in one transaction, the views point at `build`'s tables, it becomes active and the
 * previous active build retired. Readers see either the old tables or the new ones, never a mix.
 * Returns the build that was active before, if any (its tables are still there: see dropBuildTables).
 */
export async function activateBuild(db: SqlClient, projection: Projection, build: number): Promise<ProjectionBuild | undefined> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    const builds = (
      await tx.query<BuildRow>(
        'SELECT projection, build, version, fingerprint, uid, state, position FROM rl_projection_builds WHERE projection = $1 FOR UPDATE',
        [projection.name],
      )
    ).map(toBuild);
    const target = builds.find((b) => b.build === build);
    if (!target) throw new Error(`${projection.name} has no build ${build}`);
    if (target.state === 'retired') throw new Error(`${projection.name} build ${build} is retired`);
    const previous = builds.find((b) => b.state === 'active' && b.build !== build);
    for (const table of projection.tables) {
      await tx.query(`DROP VIEW IF EXISTS ${identifier(table.name)}`);
      await tx.query(`CREATE VIEW ${table.name} AS SELECT * FROM ${physicalTable(table.name, build)}`);
    }
    if (previous) {
      await tx.query(
        "UPDATE rl_projection_builds SET state = 'retired', retired_at = now() WHERE projection = $1 AND build = $2",
        [projection.name, previous.build],
      );
    }
    await tx.query(
      "UPDATE rl_projection_builds SET state = 'active', activated_at = now() WHERE projection = $1 AND build = $2",
      [projection.name, build],
    );
    return previous;
  });
}

/** Drops the tables of a build that is not active (a retired one, or an abandoned attempt). */
export async function dropBuildTables(db: SqlClient, projection: Projection, build: number): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.query<{ state: BuildState }>(
      'SELECT state FROM rl_projection_builds WHERE projection = $1 AND build = $2 FOR UPDATE',
      [projection.name, build],
    );
    if (row?.state === 'active') throw new Error(`${projection.name} build ${build} is active; its tables stay`);
    for (const table of projection.tables) await tx.query(`DROP TABLE IF EXISTS ${physicalTable(table.name, build)}`);
    if (row?.state === 'building') {
      await tx.query(
        "UPDATE rl_projection_builds SET state = 'retired', retired_at = now() WHERE projection = $1 AND build = $2",
        [projection.name, build],
      );
    }
  });
}

/** The position the active build of `projection` has applied, or -1 (none yet, or no build). */
export async function projectionPosition(db: SqlQuery, projection: string): Promise<number> {
  const rows = await db.query<{ position: number | string }>(
    "SELECT position FROM rl_projection_builds WHERE projection = $1 AND state = 'active'",
    [projection],
  );
  return rows.length ? Number(rows[0].position) : -1;
}

/** An event a build could not apply: recorded with the error, then stepped over. */
export interface PoisonEvent {
  position: number;
  eventId: string;
  stream: string;
  type: string;
  error: string;
}

export async function recordPoison(db: SqlQuery, projection: string, build: number, poison: PoisonEvent): Promise<void> {
  await db.query(
    `INSERT INTO rl_projection_poison (projection, build, position, event_id, stream, type, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [projection, build, poison.position, poison.eventId, poison.stream, poison.type, poison.error],
  );
}

/** The events the build (default: the active one) stepped over, in log order. */
export async function poisonEvents(db: SqlQuery, projection: string, build?: number): Promise<PoisonEvent[]> {
  const which = build ?? (await activeBuild(db, projection))?.build;
  if (which === undefined) return [];
  const rows = await db.query<{ position: number | string; event_id: string; stream: string; type: string; error: string }>(
    `SELECT position, event_id, stream, type, error FROM rl_projection_poison
      WHERE projection = $1 AND build = $2 ORDER BY position`,
    [projection, which],
  );
  return rows.map((row) => ({
    position: Number(row.position),
    eventId: row.event_id,
    stream: row.stream,
    type: row.type,
    error: row.error,
  }));
}

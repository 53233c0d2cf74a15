/**
 * `replay`: every projection rebuilt from position 0 into a fresh database, compared with the
 * live one table by table by digest (libs/projections digestTable), so every figure a finance
 * team reads is shown to follow from the log alone.
 */
import type { EventStore, SqlClient } from '@roamledger/event-store';
import {
  activeBuild,
  digestProjection,
  identifier,
  type PoisonEvent,
  type Projection,
  type ProjectionDigest,
  poisonEvents,
  projectionFingerprint,
  projectionPosition,
  rebuildProjections,
  type TableDigest,
} from '@roamledger/projections';
import type { Progress } from './progress';

export interface TableComparison {
  table: string;
  live: Omit<TableDigest, 'table'> | null;
  rebuilt: Omit<TableDigest, 'table'> | null;
  same: boolean;
  /** When the digests differ: rows (as to_jsonb text) found on one side only, a few of each. */
  onlyLive?: string[];
  onlyRebuilt?: string[];
}

/**
 * `behind`: the log holds events for the projection that the live build has not applied (after
 * waiting `catchUpMs` for it); `poison events`: the live build stepped over events it could not
 * apply, so its tables miss them whatever the digests say.
 */
export type ProjectionStatus = 'same' | 'differs' | 'not built live' | 'other version live' | 'behind' | 'poison events';

export interface ProjectionComparison {
  projection: string;
  version: number;
  /** The live build's position, which the rebuild went to. */
  position: number;
  status: ProjectionStatus;
  tables: TableComparison[];
  /** When behind: the first position it has not applied. */
  firstMissing?: number;
  poison?: PoisonEvent[];
}

export interface ReplayReport {
  ok: boolean;
  projections: ProjectionComparison[];
  elapsedMs: number;
}

export interface ReplayOptions {
  store: EventStore;
  /**
   * The live projection database (openProjectionDb), or where each projection's live tables are
   * (projections kept in databases or schemas of their own, as the tokens register's);
   * undefined: that projection has no live database, so it is `not built live`.
   */
  live: SqlClient | ((projection: Projection) => SqlClient | undefined);
  /** A fresh, empty database to rebuild into (a new PGlite folder or PostgreSQL schema). */
  target: SqlClient;
  projections: readonly Projection[];
  /** Rows shown per side when a table differs. Default 10. */
  rowDiffLimit?: number;
  progress?: Progress;
  /** How long a live build behind the log is waited for before it counts as `behind`. Default 10 s. */
  catchUpMs?: number;
}

/** Table by table, by name: equal when rows and sha256 agree. Pure. */
export function compareTables(live: TableDigest[], rebuilt: TableDigest[]): TableComparison[] {
  const names = [...new Set([...live.map((t) => t.table), ...rebuilt.map((t) => t.table)])];
  return names.map((table) => {
    const a = live.find((t) => t.table === table);
    const b = rebuilt.find((t) => t.table === table);
    return {
      table,
      live: a ? { rows: a.rows, sha256: a.sha256 } : null,
      rebuilt: b ? { rows: b.rows, sha256: b.sha256 } : null,
      same: !!a && !!b && a.rows === b.rows && a.sha256 === b.sha256,
    };
  });
}

export async function replayProjections(options: ReplayOptions): Promise<ReplayReport> {
  const started = Date.now();
  const { store, target } = options;
  const head = await store.headPosition();
  const results: ProjectionComparison[] = [];
  let doneBefore = 0;
  for (const projection of options.projections) {
    const live = typeof options.live === 'function' ? options.live(projection) : options.live;
    const liveBuild = live ? await activeBuild(live, projection.name).catch(() => undefined) : undefined;
    if (!live || !liveBuild) {
      results.push({
        projection: projection.name,
        version: projection.version,
        position: -1,
        status: 'not built live',
        tables: [],
      });
      continue;
    }
    if (liveBuild.fingerprint !== projectionFingerprint(projection)) {
      results.push({
        projection: projection.name,
        version: projection.version,
        position: liveBuild.position,
        status: 'other version live',
        tables: [],
      });
      continue;
    }
    const missing = await firstUnapplied(options.store, live, projection, liveBuild.position, options.catchUpMs);
    const poison = await poisonEvents(live, projection.name).catch(() => []);
    const liveDigest = await digestProjection(live, projection);
    const stopWatching = watchRebuild(target, projection.name, (position) =>
      options.progress?.update(
        doneBefore + Math.max(0, position + 1),
        fractionOf(results.length, options.projections.length, position, liveDigest.position),
      ),
    );
    let rebuilt: ProjectionDigest;
    try {
      const report = await rebuildProjections({ store, target, projections: [projection], toPosition: liveDigest.position });
      rebuilt = report.projections[0];
    } finally {
      stopWatching();
    }
    doneBefore += Math.max(0, liveDigest.position + 1);
    const tables = compareTables(liveDigest.tables, rebuilt.tables);
    for (const table of tables) {
      if (table.same || !table.live || !table.rebuilt) continue;
      Object.assign(table, await rowDifferences(live, target, table.table, options.rowDiffLimit ?? 10));
    }
    results.push({
      projection: projection.name,
      version: projection.version,
      position: liveDigest.position,
      // What the tables hold is compared up to their position even when the log holds more for them.
      status: !tables.every((t) => t.same)
        ? 'differs'
        : missing !== undefined
          ? 'behind'
          : poison.length > 0
            ? 'poison events'
            : 'same',
      tables,
      ...(poison.length > 0 ? { poison } : {}),
      ...(missing !== undefined ? { firstMissing: missing } : {}),
    });
  }
  options.progress?.finish(doneBefore || head + 1);
  return {
    ok: results.every((r) => r.status === 'same' || r.status === 'not built live'),
    projections: results,
    elapsedMs: Date.now() - started,
  };
}

/**
 * The position of the first event the live build should have applied and has not (its filter
 * admits it), once it has had `catchUpMs` to get there; undefined when it is up to date.
 */
async function firstUnapplied(
  store: EventStore,
  live: SqlClient,
  projection: Projection,
  position: number,
  catchUpMs = 10_000,
): Promise<number | undefined> {
  const deadline = Date.now() + catchUpMs;
  for (;;) {
    const [next] = await store.readAll({ fromPosition: position + 1, maxCount: 1, filter: projection.filter });
    if (!next) return undefined;
    if (Date.now() >= deadline) return next.position;
    await new Promise((resolve) => setTimeout(resolve, 200));
    position = (await activeBuild(live, projection.name))?.position ?? position;
  }
}

function fractionOf(index: number, count: number, position: number, until: number): number {
  const within = until > 0 ? Math.min(1, Math.max(0, position + 1) / (until + 1)) : 1;
  return (index + within) / Math.max(1, count);
}

/** Polls the rebuild's position for the progress bar (rebuildProjections has no hook). */
function watchRebuild(target: SqlClient, projection: string, onPosition: (position: number) => void): () => void {
  const timer = setInterval(() => {
    projectionPosition(target, projection).then(onPosition, () => undefined);
  }, 500);
  return () => clearInterval(timer);
}

async function rowDifferences(live: SqlClient, target: SqlClient, table: string, limit: number) {
  // UTC as digestTable uses, so timestamps print alike on both sides.
  const rowsOf = (db: SqlClient) =>
    db.transaction(async (tx) => {
      await tx.query("SET LOCAL TimeZone = 'UTC'");
      const rows = await tx.query<{ r: string }>(
        `SELECT r FROM (SELECT to_jsonb(t)::text AS r FROM ${identifier(table)} t) s ORDER BY r COLLATE "C"`,
      );
      return rows.map((row) => row.r);
    });
  const [a, b] = await Promise.all([rowsOf(live), rowsOf(target)]);
  const inA = new Set(a);
  const inB = new Set(b);
  return {
    onlyLive: a.filter((row) => !inB.has(row)).slice(0, limit),
    onlyRebuilt: b.filter((row) => !inA.has(row)).slice(0, limit),
  };
}

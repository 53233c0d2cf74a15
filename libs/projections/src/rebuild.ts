import type { EventStore, SqlClient } from '@roamledger/event-store';
import { activateBuild, createBuild, dropBuildTables, ensureRegistry } from './builds';
import { digestProjection, type ProjectionDigest } from './digest';
import { LogFollower } from './log-follower';
import type { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';

export interface RebuildOptions {
  /** The log to read (only read: no checkpoint is written to it). */
  store: EventStore;
  /** Where the tables go: a fresh PGlite folder or a fresh PostgreSQL schema (openPgliteClient / openPostgresClient). */
  target: SqlClient;
  projections: readonly Projection[];
  /** Last position to apply (inclusive); default: the head of the log when the rebuild starts. */
  toPosition?: number;
  batchSize?: number;
}

export interface RebuildReport {
  /** The position every projection was rebuilt to. */
  position: number;
  projections: ProjectionDigest[];
}

/**
 * Builds every projection from position 0 into `target`, up to `toPosition`, activates the new
 * builds there (so the tables answer under their usual names) and returns their digests. Nothing
 * but the log goes in: comparing these digests with digestProjection on the live database, at the
 * same position, shows whether the live tables are what the log says.
 */
export async function rebuildProjections(options: RebuildOptions): Promise<RebuildReport> {
  const { store, target } = options;
  await ensureRegistry(target);
  const head = await store.headPosition();
  const position = options.toPosition ?? head;
  if (position > head) throw new Error(`cannot rebuild to position ${position}: the log ends at ${head}`);
  const digests: ProjectionDigest[] = [];
  for (const projection of options.projections) {
    const build = await createBuild(target, projection);
    const runner = new ProjectionRunner(target, projection, build.build, build.position);
    if (position >= 0) {
      const end = await new LogFollower(store, runner, { until: position, batchSize: options.batchSize }).run();
      if (end !== 'reached') throw new Error(`${projection.name}: the rebuild ended (${end}) before position ${position}`);
    }
    const previous = await activateBuild(target, projection, build.build);
    if (previous) await dropBuildTables(target, projection, previous.build);
    digests.push(await digestProjection(target, projection));
  }
  return { position, projections: digests };
}

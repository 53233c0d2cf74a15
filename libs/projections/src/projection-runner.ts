import { matchesEventFilter, type RecordedEvent, type SqlClient } from '@roamledger/event-store';
import { physicalTable, readBuild } from './builds';
import type { Projection, ProjectionContext } from './projection';

export interface BatchOutcome {
  /** The build's position after the batch. */
  position: number;
  /** Events applied (after dropping those at or below the position, and those the filter leaves out). */
  applied: number;
  /** The build was retired (another build is active now): nothing was applied; stop feeding it. */
  retired: boolean;
}

/**
 * The core every feed shares (a subscription to the embedded store, a Kafka consumer, a replay):
 * apply a batch of events in log order to one build, idempotently by position, and move the
 * build's checkpoint in the same transaction. Events at or below the checkpoint are skipped, so
 * redelivery is harmless; a crash before commit leaves nothing behind.
 *
 * Contract for feeds: events arrive in ascending position (the order of `$all`). Gaps are fine
 * (filtered feeds); a reordered feed is not: an event below the checkpoint is taken as already seen.
 */
export class ProjectionRunner {
  private current: number;
  private sinceAnalyze = 0;
  private nextAnalyze = 5_000;

  constructor(
    private readonly db: SqlClient,
    readonly projection: Projection,
    readonly build: number,
    position: number,
  ) {
    this.current = position;
  }

  static async open(db: SqlClient, projection: Projection, build: number): Promise<ProjectionRunner> {
    const found = await readBuild(db, projection.name, build);
    if (!found) throw new Error(`${projection.name} has no build ${build}`);
    return new ProjectionRunner(db, projection, build, found.position);
  }

  /** Last position applied (as of the last batch this runner committed or read). */
  get position(): number {
    return this.current;
  }

  async handle(events: readonly RecordedEvent[]): Promise<BatchOutcome> {
    for (let i = 1; i < events.length; i++) {
      if (events[i].position <= events[i - 1].position) {
        throw new Error(
          `${this.projection.name}: events out of log order (${events[i - 1].position} then ${events[i].position})`,
        );
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.apply(events);
        await this.refreshStatistics(outcome.applied);
        return outcome;
      } catch (error) {
        // Another writer moved the build on, or retired it (its tables may be gone): read where it stands.
        const build = await readBuild(this.db, this.projection.name, this.build);
        if (!build) throw error;
        this.current = build.position;
        if (build.state === 'retired') return { position: build.position, applied: 0, retired: true };
        if (!(error instanceof MovedOn) || attempt >= 3) throw error;
      }
    }
  }

  /**
   * One transaction: the rows, then the position, moved only from the value the batch was
   * filtered against (optimistic: no lock and no read before, two round trips fewer a batch).
   */
  private async apply(events: readonly RecordedEvent[]): Promise<BatchOutcome> {
    const from = this.current;
    const fresh = events.filter((event) => event.position > from);
    if (fresh.length === 0) return { position: from, applied: 0, retired: false };
    const relevant = fresh.filter((event) => matchesEventFilter(event, this.projection.filter));
    const position = fresh[fresh.length - 1].position;
    await this.db.transaction(async (tx) => {
      // A commit lost in a crash loses its rows and its position together, and the log replays
      // them: a projection need not wait for the WAL to reach the disk.
      await tx.query('SET LOCAL synchronous_commit = off');
      if (relevant.length > 0) await this.projection.apply(relevant, this.context(tx));
      const moved = await tx.query(
        `UPDATE rl_projection_builds SET position = $3
          WHERE projection = $1 AND build = $2 AND position = $4 AND state <> 'retired' RETURNING position`,
        [this.projection.name, this.build, position, from],
      );
      if (moved.length === 0) throw new MovedOn();
    });
    this.current = position;
    return { position, applied: relevant.length, retired: false };
  }

  /**
   * ANALYZE of the build's tables after 5,000 applied events, then at doubling intervals up to
   * every 100,000. PGlite runs no autovacuum, and a table filled since its last statistics gets
   * plans made for an empty one: a whole-table scan per key, per batch.
   */
  private async refreshStatistics(applied: number): Promise<void> {
    this.sinceAnalyze += applied;
    if (this.sinceAnalyze < this.nextAnalyze) return;
    this.sinceAnalyze = 0;
    this.nextAnalyze = Math.min(this.nextAnalyze * 2, 100_000);
    await this.analyze();
  }

  /** Fresh planner statistics for the build's tables. */
  async analyze(): Promise<void> {
    for (const table of this.projection.tables) await this.db.query(`ANALYZE ${physicalTable(table.name, this.build)}`);
  }

  private context(db: ProjectionContext['db']): ProjectionContext {
    return {
      db,
      table: (name) => {
        if (!this.projection.tables.some((table) => table.name === name))
          throw new Error(`${this.projection.name} owns no table ${name}`);
        return physicalTable(name, this.build);
      },
    };
  }
}

/** The build's position was not the one this batch started from: its transaction is rolled back. */
class MovedOn extends Error {
  constructor() {
    super('the build moved on under this batch');
  }
}

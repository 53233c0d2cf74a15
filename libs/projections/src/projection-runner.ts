import { Logger } from '@nestjs/common';
import { isStoreUnavailable, matchesEventFilter, type RecordedEvent, type SqlClient } from '@roamledger/event-store';
import { physicalTable, readBuild, recordPoison } from './builds';
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
 *
 * One event never stops a projection: when a batch fails for a reason other than the database
 * being unreachable, its events are applied one per transaction; one that fails twice is recorded
 * in rl_projection_poison (position, error) and stepped over. The build then counts as incomplete
 * (/health says degraded, `audit replay` fails) until a fixed version rebuilds it.
 */
export class ProjectionRunner {
  private readonly logger = new Logger('projections');
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
        if (error instanceof MovedOn && attempt < 3) continue;
        if (error instanceof MovedOn || !(await this.aboutTheData(error))) throw error;
        const outcome = await this.isolate(events);
        await this.refreshStatistics(outcome.applied);
        return outcome;
      }
    }
  }

  /** The error came with a database that answers: it is about the events, and would come again. */
  private async aboutTheData(error: unknown): Promise<boolean> {
    if (isStoreUnavailable(error)) return false;
    try {
      await this.db.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** One event per transaction, so the one that fails is found; tried twice, it is recorded and stepped over. */
  private async isolate(events: readonly RecordedEvent[]): Promise<BatchOutcome> {
    let applied = 0;
    for (const event of events) {
      if (event.position <= this.current) continue;
      let failure: unknown;
      for (let attempt = 1; attempt <= 2; attempt++) {
        try {
          applied += (await this.apply([event])).applied;
          failure = undefined;
          break;
        } catch (error) {
          if (error instanceof MovedOn || !(await this.aboutTheData(error))) throw error;
          failure = error;
        }
      }
      if (failure !== undefined) await this.stepOver(event, failure);
    }
    return { position: this.current, applied, retired: false };
  }

  private async stepOver(event: RecordedEvent, failure: unknown): Promise<void> {
    const error = ((failure as Error)?.message ?? String(failure)).slice(0, 1000);
    const from = this.current;
    await this.db.transaction(async (tx) => {
      await recordPoison(tx, this.projection.name, this.build, {
        position: event.position,
        eventId: event.id,
        stream: event.stream,
        type: event.type,
        error,
      });
      await this.movePosition(tx, from, event.position);
    });
    this.current = event.position;
    this.logger.error(
      `${this.projection.name} build ${this.build}: stepped over poison event at position ${event.position} (${event.type} in ${event.stream}): ${error}`,
    );
  }

  /**
   * One transaction: the rows, then the position, moved only from the value the batch was
   * filtered against (optimistic: no lock and no read before, two round trips fewer a batch).
   * A batch of events the projection does not read (most of a busy log: EVSE statuses for
   * billing, say) moves the position alone, in one statement and one round trip.
   */
  private async apply(events: readonly RecordedEvent[]): Promise<BatchOutcome> {
    const from = this.current;
    const fresh = events.filter((event) => event.position > from);
    if (fresh.length === 0) return { position: from, applied: 0, retired: false };
    const relevant = fresh.filter((event) => matchesEventFilter(event, this.projection.filter));
    const position = fresh[fresh.length - 1].position;
    if (relevant.length === 0) await this.movePosition(this.db, from, position);
    else {
      await this.db.transaction(async (tx) => {
        await this.projection.apply(relevant, this.context(tx));
        await this.movePosition(tx, from, position);
      });
    }
    this.current = position;
    return { position, applied: relevant.length, retired: false };
  }

  /** The build's position from `from` to `to`, or MovedOn when it no longer stands at `from`. */
  private async movePosition(db: ProjectionContext['db'], from: number, to: number): Promise<void> {
    const moved = await db.query(MOVE_POSITION_SQL, [this.projection.name, this.build, to, from]);
    if (moved.length === 0) throw new MovedOn();
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

/**
 * Moves a build's position from the one a batch was filtered against. Its transaction commits
 * without waiting for the WAL to reach the disk (set_config(..., true) holds to the commit, and
 * the setting is read there, so it also serves the one-statement move): a commit lost in a crash
 * loses its rows and its position together, and the log replays them.
 */
const MOVE_POSITION_SQL = `WITH async AS (SELECT set_config('synchronous_commit', 'off', true))
  UPDATE rl_projection_builds SET position = $3 FROM async
   WHERE projection = $1 AND build = $2 AND position = $4 AND state <> 'retired' RETURNING position`;

/** The build's position was not the one this batch started from: its transaction is rolled back. */
class MovedOn extends Error {
  constructor() {
    super('the build moved on under this batch');
  }
}

import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { EventStore, SqlClient } from '@roamledger/event-store';
import {
  activateBuild,
  activeBuild,
  createBuild,
  dropBuildTables,
  ensureRegistry,
  listBuilds,
  type ProjectionBuild,
  physicalTable,
  poisonEvents,
  projectionFingerprint,
} from './builds';
import { type FollowEnd, LogFollower } from './log-follower';
import type { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';

/**
 * DI token, optional: the EventStore projections read their events from when it is not the
 * process's own EVENT_STORE (in service mode, a KafkaFedEventStore from libs/messaging, whose
 * subscribeToAll reads Kafka). Its checkpoints and headPosition must be the log's.
 */
export const PROJECTION_EVENT_SOURCE = Symbol('PROJECTION_EVENT_SOURCE');

export interface ProjectionHostOptions {
  /** Events per transaction while catching up. */
  batchSize?: number;
  /** Live latency bound: a partial batch waits at most this long. */
  maxWaitMs?: number;
  /**
   * About how long one batch may hold the process (LogFollower batchBudgetMs), so a catch-up after
   * a burst or a restart leaves requests their turn between batches. Default 50 ms.
   */
  batchBudgetMs?: number;
  /** Delay before a failed follower starts again (doubles up to 30 s). */
  retryMs?: number;
  /** Behind the log without moving for this long counts as stalled on /health (default 30 s). */
  stallMs?: number;
}

/** A projection as /health reports it. */
export interface ProjectionHealth {
  projection: string;
  status: 'ok' | 'degraded';
  /** Last position the active build applied; -1 for none. */
  position: number;
  /** Events in the log after it. */
  lag: number;
  /** Events it stepped over (rl_projection_poison): its tables miss what they said. */
  poison_events: number;
  /** Behind the log and not moving. */
  stalled: boolean;
  last_error?: string;
}

interface Follow {
  build: number;
  stop(): void;
  done: Promise<void>;
}

export interface ProjectionStatus {
  projection: string;
  version: number;
  builds: ProjectionBuild[];
  lastError?: string;
}

/**
 * Keeps projections current in one process on the embedded (or any) event store: follows the
 * active build of each projection, and when the code's version (fingerprint) differs from the
 * active build's, builds the new one beside it and switches once it has caught up. The old build
 * keeps serving reads until the switch (frozen when no process with its code still runs).
 */
export class ProjectionHost {
  private readonly logger = new Logger('projections');
  private readonly follows = new Map<string, Follow[]>();
  private readonly errors = new Map<string, string>();
  private readonly progress = new EventEmitter();
  /** Where each active build was last seen moving, and when. */
  private readonly moved = new Map<string, { position: number; at: number }>();
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    readonly db: SqlClient,
    readonly projections: readonly Projection[],
    private readonly options: ProjectionHostOptions = {},
  ) {
    this.progress.setMaxListeners(0);
  }

  async start(): Promise<void> {
    await ensureRegistry(this.db);
    for (const projection of this.projections) await this.startProjection(projection);
  }

  /** Builds `projection` again from position 0 beside the active build, and switches to it when caught up. */
  async rebuild(name: string): Promise<ProjectionBuild> {
    const projection = this.projection(name);
    const build = await createBuild(this.db, projection);
    this.logger.log(`${name}: rebuilding from position 0 as build ${build.build}`);
    this.followBuilding(projection, build);
    return build;
  }

  /** Calls `listener` after each batch the active build of `name` applies, and after a switch of builds; returns the way to stop. */
  onApplied(name: string, listener: () => void): () => void {
    this.progress.on(name, listener);
    return () => this.progress.off(name, listener);
  }

  /**
   * Resolves once the active build of `name` is this code's (version and settings, so a pending
   * switch is done) and has applied `position`.
   */
  async waitFor(name: string, position: number, timeoutMs = 10_000): Promise<void> {
    const fingerprint = projectionFingerprint(this.projection(name));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const active = await activeBuild(this.db, name);
      if (active && active.fingerprint === fingerprint && active.position >= position) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`${name} did not reach position ${position} within ${timeoutMs} ms (active: ${JSON.stringify(active)})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 100));
        this.progress.once(name, done);
        const progress = this.progress;
        function done() {
          clearTimeout(timer);
          progress.off(name, done);
          resolve();
        }
      });
    }
  }

  async status(): Promise<ProjectionStatus[]> {
    return Promise.all(
      this.projections.map(async (projection) => ({
        projection: projection.name,
        version: projection.version,
        builds: await listBuilds(this.db, projection.name),
        ...(this.errors.has(projection.name) ? { lastError: this.errors.get(projection.name) } : {}),
      })),
    );
  }

  async health(): Promise<ProjectionHealth[]> {
    const head = await this.store.headPosition();
    return Promise.all(
      this.projections.map(async (projection) => {
        const position = (await activeBuild(this.db, projection.name))?.position ?? -1;
        const poison = (await poisonEvents(this.db, projection.name)).length;
        const lag = Math.max(0, head - position);
        const seen = this.sawPosition(projection.name, position);
        const stalled = lag > 0 && Date.now() - seen.at > (this.options.stallMs ?? 30_000);
        const lastError = this.errors.get(projection.name);
        return {
          projection: projection.name,
          status: poison > 0 || stalled || lastError ? 'degraded' : 'ok',
          position,
          lag,
          poison_events: poison,
          stalled,
          ...(lastError ? { last_error: lastError } : {}),
        } satisfies ProjectionHealth;
      }),
    );
  }

  private sawPosition(name: string, position: number): { position: number; at: number } {
    const seen = this.moved.get(name);
    if (seen && seen.position === position) return seen;
    const now = { position, at: Date.now() };
    this.moved.set(name, now);
    return now;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.follows.values()].flat();
    for (const follow of all) follow.stop();
    await Promise.all(all.map((follow) => follow.done));
  }

  private projection(name: string): Projection {
    const found = this.projections.find((projection) => projection.name === name);
    if (!found) throw new Error(`No projection named ${name}`);
    return found;
  }

  private async startProjection(projection: Projection): Promise<void> {
    const fingerprint = projectionFingerprint(projection);
    const builds = await listBuilds(this.db, projection.name);
    const active = builds.find((build) => build.state === 'active');
    // Attempts this code cannot finish (another version's) are abandoned.
    for (const build of builds.filter((b) => b.state === 'building' && b.fingerprint !== fingerprint)) {
      await dropBuildTables(this.db, projection, build.build);
    }
    if (active?.fingerprint === fingerprint) {
      this.followActive(projection, active.build);
      return;
    }
    const resumable = builds.find((b) => b.state === 'building' && b.fingerprint === fingerprint);
    if (!active) {
      // Nothing to keep serving: the first build is active from the start and fills up live.
      const build = resumable ?? (await createBuild(this.db, projection));
      await activateBuild(this.db, projection, build.build);
      this.logger.log(`${projection.name} v${projection.version}: build ${build.build} active, following the log`);
      this.followActive(projection, build.build);
      return;
    }
    const build = resumable ?? (await createBuild(this.db, projection));
    this.logger.log(
      `${projection.name}: active build ${active.build} (v${active.version}) differs from this code's v${projection.version} and settings; building ${build.build} beside it`,
    );
    this.followBuilding(projection, build);
  }

  private followActive(projection: Projection, build: number): void {
    this.follow(projection, build, async (position) => {
      this.sawPosition(projection.name, position);
      this.progress.emit(projection.name);
    });
  }

  private followBuilding(projection: Projection, build: ProjectionBuild): void {
    let switched = false;
    let checking: Promise<void> = Promise.resolve();
    // One check at a time: a batch and the start-up check must not both switch.
    const trySwitch = (position: number) => {
      checking = checking.then(async () => {
        if (switched || position < (await this.store.headPosition())) return;
        switched = true;
        await this.switchTo(projection, build.build, position);
      });
      return checking;
    };
    this.follow(projection, build.build, async (position) => {
      if (!switched) await trySwitch(position);
      else this.progress.emit(projection.name);
    });
    // An empty or short log may already be caught up: no batch would come to say so.
    trySwitch(build.position).catch((error) => this.fail(projection.name, error));
  }

  private async switchTo(projection: Projection, build: number, position: number): Promise<void> {
    // Fresh statistics before the first reader plans a query on the new tables.
    await this.analyzeBuild(projection, build);
    const previous = await activateBuild(this.db, projection, build);
    this.logger.log(`${projection.name}: switched to build ${build} at position ${position}`);
    if (previous) {
      const old = (this.follows.get(projection.name) ?? []).filter((follow) => follow.build === previous.build);
      for (const follow of old) follow.stop();
      await Promise.all(old.map((follow) => follow.done));
      await dropBuildTables(this.db, projection, previous.build);
    }
    this.progress.emit(projection.name);
  }

  /** Runs a follower for one build, again after a failure, until stopped or the build is retired. */
  private follow(projection: Projection, build: number, onBatch: (position: number) => Promise<void>): void {
    let stopped = false;
    let follower: LogFollower | undefined;
    const entry: Follow = {
      build,
      done: Promise.resolve(),
      stop: () => {
        stopped = true;
        follower?.stop();
      },
    };
    this.follows.set(projection.name, [...(this.follows.get(projection.name) ?? []), entry]);
    entry.done = (async () => {
      let retryMs = this.options.retryMs ?? 1000;
      while (!stopped && !this.stopped) {
        let end: FollowEnd;
        try {
          const runner = await ProjectionRunner.open(this.db, projection, build);
          const uid = (await listBuilds(this.db, projection.name)).find((b) => b.build === build)?.uid;
          follower = new LogFollower(this.store, runner, {
            checkpointName: `projection-${projection.name}-${uid}`,
            batchSize: this.options.batchSize,
            maxWaitMs: this.options.maxWaitMs,
            batchBudgetMs: this.options.batchBudgetMs ?? 50,
            onBatch: (outcome) => onBatch(outcome.position),
          });
          if (stopped) break;
          end = await follower.run();
          this.errors.delete(projection.name);
          retryMs = this.options.retryMs ?? 1000;
        } catch (error) {
          this.fail(projection.name, error);
          if (stopped) break;
          await new Promise((resolve) => setTimeout(resolve, retryMs));
          retryMs = Math.min(retryMs * 2, 30_000);
          continue;
        }
        if (end !== 'ended') break;
        // The feed ended by itself (a closed store, a lost consumer): follow again, not in a tight loop.
        await new Promise((resolve) => setTimeout(resolve, retryMs));
      }
      this.follows.set(
        projection.name,
        (this.follows.get(projection.name) ?? []).filter((f) => f !== entry),
      );
    })();
  }

  private fail(name: string, error: unknown): void {
    const message = (error as Error).message ?? String(error);
    this.errors.set(name, message);
    if (!this.stopped) this.logger.error(`${name}: ${message}`);
  }

  /**
   * Refreshes the planner statistics of the active build's tables (runners do it as they apply,
   * the host on a switch; a table filled another way, a bulk load say, needs it: without, an
   * export sorts every row for each page).
   */
  async analyze(name: string): Promise<void> {
    const active = await activeBuild(this.db, name);
    if (active) await this.analyzeBuild(this.projection(name), active.build);
  }

  private async analyzeBuild(projection: Projection, build: number): Promise<void> {
    for (const table of projection.tables) await this.db.query(`ANALYZE ${physicalTable(table.name, build)}`);
  }

  /** The active build of a projection (for readers that need its number). */
  active(name: string): Promise<ProjectionBuild | undefined> {
    return activeBuild(this.db, name);
  }
}

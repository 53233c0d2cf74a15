import type { EventStore, RecordedEvent, Subscription } from '@roamledger/event-store';
import type { BatchOutcome, ProjectionRunner } from './projection-runner';

export interface FollowOptions {
  /**
   * Names the event-store checkpoint moved after each committed batch (a checkpointed
   * subscription). Omit for a one-off replay that must leave the store untouched.
   */
  checkpointName?: string;
  /** Events per transaction while catching up (default 5000: the fixed cost of a transaction is a dozen round trips). */
  batchSize?: number;
  /** A partial batch is committed once it is this old (default 50 ms): live events do not wait for a full one. */
  maxWaitMs?: number;
  /** Stop once this position is applied (a replay to a known head). */
  until?: number;
  /** Called after each committed batch, before the next is applied. */
  onBatch?: (outcome: BatchOutcome) => void | Promise<void>;
  /**
   * A live process's share of its one thread (ProjectionHost): batches are sized so that one
   * takes about this long, since a PGlite transaction holds the thread until it commits, and a
   * catch-up of 5,000-event batches would hold every request for their whole length. Unset (a
   * replay, a rebuild with nothing else to serve): batchSize events every time.
   */
  batchBudgetMs?: number;
  /**
   * The store checkpoint is moved at most this often (default 1 s), and when the follower ends:
   * the build's position, committed with its rows, is the truth on restart, so a checkpoint write
   * after every small live batch would only add a commit to the log's database per batch.
   */
  checkpointEveryMs?: number;
}

/** Fewest events in a batch sized by batchBudgetMs: below this the fixed cost of a transaction dominates. */
const MIN_BUDGETED_BATCH = 50;

export type FollowEnd = 'stopped' | 'reached' | 'retired' | 'ended';

/**
 * Feeds a ProjectionRunner from a catch-up subscription on the event store: reads the log in
 * order, commits batches (rows and position together), then moves the subscription checkpoint.
 * The build's own position is the truth on restart; the store checkpoint follows it.
 *
 * Reading and applying overlap: a reader fills a queue (at most two batches ahead) while the
 * writer applies the previous batch, so a rebuild costs about the slower of the two, not their sum.
 */
export class LogFollower {
  private stopping = false;
  private onStop: (() => void) | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
    private readonly options: FollowOptions = {},
  ) {}

  /** Asks the loop to commit what it holds and end; `run()` then resolves. */
  stop(): void {
    this.stopping = true;
    this.onStop?.();
  }

  async run(): Promise<FollowEnd> {
    const { until } = this.options;
    if (until !== undefined && this.runner.position >= until) return 'reached';
    const batchSize = this.options.batchSize ?? 5000;
    const maxWaitMs = this.options.maxWaitMs ?? 50;
    const budgetMs = this.options.batchBudgetMs;
    const checkpointEveryMs = this.options.checkpointEveryMs ?? 1000;
    /** Events in the next batch: batchSize, or what fits the budget at the pace of the last batches. */
    let take = budgetMs === undefined ? batchSize : Math.min(batchSize, 500);
    let checkpointed = { position: this.runner.position, at: performance.now() };
    const { subscription, named } = await this.subscribe(Math.min(batchSize, 1000));
    const iterator = subscription[Symbol.asyncIterator]();
    const saveCheckpoint = async (position: number) => {
      if (named) await subscription.checkpoint(position);
      else if (this.options.checkpointName) await this.store.checkpoints.save(this.options.checkpointName, position);
    };

    const queue: RecordedEvent[] = [];
    let readerDone = false;
    let readerFailure: { error: unknown } | undefined;
    let flushDue = false;
    let timer: NodeJS.Timeout | undefined;
    let wakeWriter: (() => void) | undefined;
    let wakeReader: (() => void) | undefined;
    const notifyWriter = () => {
      const wake = wakeWriter;
      wakeWriter = undefined;
      wake?.();
    };
    const notifyReader = () => {
      const wake = wakeReader;
      wakeReader = undefined;
      wake?.();
    };
    // Live events trickle in: a partial batch is committed once its first event is maxWaitMs old.
    const armTimer = () => {
      clearTimeout(timer);
      flushDue = false;
      timer = setTimeout(() => {
        flushDue = true;
        notifyWriter();
      }, maxWaitMs);
    };
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= subscription.close();
      return closing;
    };
    this.onStop = () => {
      notifyReader();
      notifyWriter();
      void close();
    };

    const reader = (async () => {
      try {
        while (!this.stopping) {
          while (queue.length >= 2 * batchSize && !this.stopping) await new Promise<void>((resolve) => (wakeReader = resolve));
          if (this.stopping) break;
          const next = await iterator.next();
          if (next.done || this.stopping) break;
          queue.push(next.value);
          // As for the writer below: let the process breathe between pages.
          if (queue.length % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
          if (queue.length === 1) armTimer();
          const reached = until !== undefined && next.value.position >= until;
          if (reached || queue.length >= take) notifyWriter();
          if (reached) break;
        }
      } catch (error) {
        readerFailure = { error };
      } finally {
        readerDone = true;
        notifyWriter();
      }
    })();

    let end: FollowEnd = 'stopped';
    try {
      for (;;) {
        if (readerFailure) throw readerFailure.error;
        const ready = queue.length >= take || (queue.length > 0 && (flushDue || readerDone || this.stopping));
        if (!ready) {
          if (readerDone) {
            end = this.stopping ? 'stopped' : until !== undefined && this.runner.position >= until ? 'reached' : 'ended';
            break;
          }
          await new Promise<void>((resolve) => (wakeWriter = resolve));
          continue;
        }
        const events = queue.splice(0, take);
        notifyReader();
        if (queue.length > 0) armTimer();
        else clearTimeout(timer);
        const started = performance.now();
        const outcome = await this.runner.handle(events);
        if (budgetMs !== undefined && events.length >= take) {
          // A full batch tells the pace: the next one takes about the budget (a partial one says little).
          const perEvent = Math.max(0.001, (performance.now() - started) / events.length);
          take = Math.max(MIN_BUDGETED_BATCH, Math.min(batchSize, Math.round(budgetMs / perEvent)));
        }
        if (outcome.retired) {
          end = 'retired';
          break;
        }
        if (performance.now() - checkpointed.at >= checkpointEveryMs) {
          await saveCheckpoint(outcome.position);
          checkpointed = { position: outcome.position, at: performance.now() };
        }
        await this.options.onBatch?.(outcome);
        // PGlite answers within the microtask queue: without a turn of the event loop here, a
        // long catch-up would hold off every request and timer of the process until it is done.
        await new Promise((resolve) => setImmediate(resolve));
        if (until !== undefined && outcome.position >= until) {
          end = 'reached';
          break;
        }
      }
      if (end !== 'retired' && this.runner.position > checkpointed.position) await saveCheckpoint(this.runner.position);
    } finally {
      clearTimeout(timer);
      this.stopping = true;
      notifyReader();
      await close();
      await reader;
    }
    return end;
  }

  private async subscribe(batchSize: number): Promise<{ subscription: Subscription; named: boolean }> {
    const fromPosition = this.runner.position + 1;
    const name = this.options.checkpointName;
    if (!name) return { subscription: this.store.subscribeToAll({ fromPosition, batchSize }), named: false };
    const saved = await this.store.checkpoints.load(name);
    // The build's position is committed with its rows; a store checkpoint ahead of it (a restored
    // database) would skip events, so it is brought back first.
    if (saved !== undefined && saved > this.runner.position) {
      if (this.runner.position < 0) return { subscription: this.store.subscribeToAll({ fromPosition, batchSize }), named: false };
      await this.store.checkpoints.save(name, this.runner.position);
    }
    return { subscription: this.store.subscribeToAll({ checkpointName: name, fromPosition, batchSize }), named: true };
  }
}

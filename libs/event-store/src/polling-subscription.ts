import { setTimeout as sleep } from 'node:timers/promises';
import { abortable } from './abortable';
import {
  type CheckpointStore,
  type EventFilter,
  matchesEventFilter,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './event-store.port';

export interface PollingSource {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  checkpoints: CheckpointStore;
  /** Resolves at the next local append or after `timeoutMs`, whichever comes first. */
  waitForAppend(timeoutMs: number): Promise<void>;
  /** The log's last position: lets a filtered subscription far behind filter in the store (see events()). */
  headPosition?(): Promise<number>;
}

const IDLE_POLL_MS = 200;
/**
 * A live subscriber reads at most once per this interval: appends come in bursts (one per request),
 * and one read serves the whole burst instead of one read per append per subscriber.
 */
const MIN_READ_INTERVAL_MS = 50;

/**
 * Catch-up then live over a log whose readers only ever see a gap-free prefix (see sql/schema.ts),
 * so advancing past the last position read is safe. Reads the next batch only when the consumer
 * has taken the previous one: a slow consumer slows the reads, nothing piles up in memory.
 */
export function pollingSubscription(source: PollingSource, options: SubscribeOptions = {}): Subscription {
  const batchSize = options.batchSize ?? 500;
  const filter: EventFilter | undefined = options.filter;
  let closed = false;
  const closing = new AbortController();

  async function startPosition(): Promise<number> {
    if (options.checkpointName) {
      const saved = await source.checkpoints.load(options.checkpointName);
      if (saved !== undefined) return saved + 1;
    }
    return options.fromPosition ?? 0;
  }

  async function* events(): AsyncGenerator<RecordedEvent> {
    let next = await startPosition();
    // A filtered subscriber far behind (a start on a long log) has the store filter: reading and
    // decoding every event of the log only to drop most of them cost a start seconds of CPU and
    // much memory. Every event up to the head read first is seen by the filtered read that
    // follows (gap-free prefix), so a short page moves `next` past the head. Live, at the end,
    // the unfiltered read below is kept: there it is shared with the process's other subscribers.
    while (!closed && filter && source.headPosition) {
      const head = await source.headPosition();
      if (head - next < batchSize) break;
      const batch = await source.readAll({ fromPosition: next, maxCount: batchSize, filter });
      for (const event of batch) {
        next = event.position + 1;
        yield event;
        if (closed) return;
      }
      if (batch.length < batchSize) next = Math.max(next, head + 1);
    }
    while (!closed) {
      const readAt = performance.now();
      // Unfiltered read so `next` also advances over events the filter drops.
      const batch = await source.readAll({ fromPosition: next, maxCount: batchSize });
      for (const event of batch) {
        next = event.position + 1;
        if (matchesEventFilter(event, filter)) {
          yield event;
          if (closed) return;
        }
      }
      if (batch.length < batchSize) {
        await abortable(source.waitForAppend(IDLE_POLL_MS), closing.signal);
        const early = readAt + MIN_READ_INTERVAL_MS - performance.now();
        if (early > 0 && !closed) await sleep(early);
      } else {
        // Catching up: PGlite answers within the microtask queue, so a subscriber far behind (the
        // sealer after a restart, say) would hold every request of the process until it reached
        // the end. A turn of the event loop between pages lets them in.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  const iterator = events();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async checkpoint(position: number) {
      if (!options.checkpointName) throw new Error('checkpoint() needs a subscription opened with checkpointName');
      await source.checkpoints.save(options.checkpointName, position);
    },
    async close() {
      closed = true;
      closing.abort();
      await iterator.return(undefined);
    },
  };
}

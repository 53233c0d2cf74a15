import type { RecordedEvent } from '@roamledger/event-store';
import type { LogMessage } from './event-message';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface OffsetCommit extends TopicPartition {
  /** The next offset to read, as Kafka commits it. */
  offset: string;
}

interface PartitionState extends TopicPartition {
  /** Read, not yet handed out, ascending positions. */
  queue: Array<{ position: number; offset: number; event: RecordedEvent }>;
  /** Handed out, not yet confirmed: re-read after a restart. */
  unconfirmed: Array<{ position: number; offset: number }>;
  /** Highest event position read here: anything at or below it again is a duplicate. */
  last: number;
  /** Every event of this partition at or below `floor` has been read. */
  floor: number;
  /** The message that proved `floor`, re-read after a restart when the floor matters. */
  floorOffset?: number;
  /** Offset after the last message read. */
  next?: number;
  committed?: number;
}

/**
 * Puts events read from several Kafka partitions back in log order, and drops duplicates.
 *
 * Kafka orders each partition, not a topic, let alone several topics. The forwarder publishes
 * each partition's events in log order, batch after batch, and marks in every partition how far
 * it has got (EVENT_HEADERS.through): after a message saying `through P`, no event at or below P
 * can follow in that partition. So an event at position p can be handed out once every
 * partition has shown an event or a watermark at or above p; by then nothing before it can
 * still come. An event at or below one already read in its partition is a copy (a batch
 * published again after a failure, or by a second forwarder) and is dropped.
 *
 * Offsets to commit are chosen so that a restart, resuming from the confirmed position, re-reads
 * every event not yet confirmed and the watermarks it needs.
 */
export class LogMerge {
  private readonly partitions = new Map<string, PartitionState>();
  private handedOut: number;
  private confirmedPosition: number;

  /** `position`: the last position the consumer has already applied (-1: none). */
  constructor(position: number) {
    this.handedOut = position;
    this.confirmedPosition = position;
  }

  /** Last position handed out by `take`. */
  get position(): number {
    return this.handedOut;
  }

  get confirmed(): number {
    return this.confirmedPosition;
  }

  /** The partitions to merge (after a rebalance): state is kept for those still assigned. */
  assign(assigned: readonly TopicPartition[]): void {
    const keys = new Set(assigned.map(keyOf));
    for (const key of [...this.partitions.keys()]) if (!keys.has(key)) this.partitions.delete(key);
    for (const { topic, partition } of assigned) {
      if (this.partitions.has(keyOf({ topic, partition }))) continue;
      // Everything up to the confirmed position is applied: no event below it is awaited.
      this.partitions.set(keyOf({ topic, partition }), {
        topic,
        partition,
        queue: [],
        unconfirmed: [],
        last: Number.NEGATIVE_INFINITY,
        floor: this.confirmedPosition,
      });
    }
  }

  assigned(): TopicPartition[] {
    return [...this.partitions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** A message read at `offset` of a partition; messages of unassigned partitions are ignored. */
  add(topic: string, partition: number, offset: number, message: LogMessage): void {
    const state = this.partitions.get(keyOf({ topic, partition }));
    if (!state) return;
    state.next = Math.max(state.next ?? 0, offset + 1);
    const { event, through } = message;
    let claim = Number.NEGATIVE_INFINITY;
    if (event) {
      if (event.position > state.last && event.position > this.handedOut) {
        state.queue.push({ position: event.position, offset, event });
      }
      state.last = Math.max(state.last, event.position);
      claim = event.position;
    }
    if (through !== undefined) claim = Math.max(claim, through);
    if (claim >= state.floor) {
      state.floor = claim;
      state.floorOffset = offset;
    }
  }

  /** Events read but not yet handed out. */
  buffered(): number {
    let count = 0;
    for (const state of this.partitions.values()) count += state.queue.length;
    return count;
  }

  /** Events `take` would hand out now. */
  available(): number {
    const safe = this.safePosition();
    let count = 0;
    for (const state of this.partitions.values()) {
      for (const entry of state.queue) {
        if (entry.position > safe) break;
        count++;
      }
    }
    return count;
  }

  /** Hands out, in log order, up to `limit` events that nothing read later can precede. */
  take(limit = Number.POSITIVE_INFINITY): RecordedEvent[] {
    const safe = this.safePosition();
    const candidates: Array<{ state: PartitionState; position: number; offset: number; event: RecordedEvent }> = [];
    for (const state of this.partitions.values()) {
      for (const entry of state.queue) {
        if (entry.position > safe) break;
        candidates.push({ state, ...entry });
      }
    }
    candidates.sort((a, b) => a.position - b.position);
    const taken = candidates.slice(0, limit);
    for (const { state, position, offset } of taken) {
      state.queue.shift();
      state.unconfirmed.push({ position, offset });
    }
    if (taken.length) this.handedOut = taken[taken.length - 1].position;
    return taken.map((entry) => entry.event);
  }

  /** The consumer has made everything up to `position` durable. */
  confirm(position: number): void {
    this.confirmedPosition = Math.max(this.confirmedPosition, position);
    for (const state of this.partitions.values()) {
      while (state.unconfirmed.length && state.unconfirmed[0].position <= this.confirmedPosition) state.unconfirmed.shift();
    }
  }

  /** Offsets to commit now (those that moved since `committed` was last called for them). */
  commits(): OffsetCommit[] {
    const commits: OffsetCommit[] = [];
    for (const state of this.partitions.values()) {
      const offset = this.commitOffset(state);
      if (offset === undefined || offset === state.committed) continue;
      commits.push({ topic: state.topic, partition: state.partition, offset: String(offset) });
    }
    return commits;
  }

  committed(commits: readonly OffsetCommit[]): void {
    for (const commit of commits) {
      const state = this.partitions.get(keyOf(commit));
      if (state) state.committed = Number(commit.offset);
    }
  }

  /** The highest position every partition has read up to; -Infinity with no partition. */
  private safePosition(): number {
    if (this.partitions.size === 0) return Number.NEGATIVE_INFINITY;
    let safe = Number.POSITIVE_INFINITY;
    for (const state of this.partitions.values()) safe = Math.min(safe, state.floor);
    return safe;
  }

  private commitOffset(state: PartitionState): number | undefined {
    if (state.next === undefined) return undefined;
    let offset = state.next;
    if (state.unconfirmed.length) offset = Math.min(offset, state.unconfirmed[0].offset);
    if (state.queue.length) offset = Math.min(offset, state.queue[0].offset);
    // After a restart the floor starts at the confirmed position; one above it must be read again.
    if (state.floor > this.confirmedPosition && state.floorOffset !== undefined) offset = Math.min(offset, state.floorOffset);
    return offset;
  }
}

function keyOf({ topic, partition }: TopicPartition): string {
  return `${topic}\u0000${partition}`;
}

/**
 * The EventStore port on KurrentDB, through the official gRPC client. A thin mapping: KurrentDB
 * already has the port's streams, revisions, $all order, optimistic concurrency, idempotent
 * appends and catch-up subscriptions; the adapter adds the per-stream hash chain (in each event's
 * metadata under `$rl`) and hides system and checkpoint streams.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendStreamState,
  BACKWARDS,
  END,
  type Filter,
  FORWARDS,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
  START,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import {
  type AppendOptions,
  type AppendResult,
  type CheckpointStore,
  type Direction,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  WrongExpectedVersion,
} from '../event-store.port';
import { GENESIS_HASH } from '../hash-chain';
import {
  CHECKPOINT_EVENT_TYPE,
  type ChainedEvent,
  chainEvents,
  checkpointStreamName,
  clientPositionOf,
  comparePositions,
  isStreamNotFoundError,
  isWrongExpectedVersionError,
  matchesFilter,
  normalizeExpected,
  prepareEvent,
  toClientPosition,
  toEventData,
  toRecordedEvent,
  toServerFilter,
  toWrongExpectedVersion,
  VISIBLE_STREAMS_REGEX,
} from './kurrentdb-mapping';

export interface KurrentDbEventStoreOptions {
  /** Attempts of an append with expectedRevision 'any' or 'stream_exists' racing other writers. Default 10. */
  appendAttempts?: number;
  /** Events per $all read request. Default 500. */
  pageSize?: number;
  /** Default read-ahead of a subscription when SubscribeOptions.batchSize is not given. Default 64. */
  subscriptionBuffer?: number;
}

/** Where to start a chained append: the client stream state and the link to continue from. */
interface ChainBase {
  streamState: AppendStreamState;
  nextRevision: number;
  prevHash: string;
}

export class KurrentDbEventStore implements EventStore {
  readonly kind = 'kurrentdb' as const;
  readonly checkpoints: CheckpointStore;
  readonly client: KurrentDBClient;

  private readonly appendAttempts: number;
  private readonly pageSize: number;
  private readonly subscriptionBuffer: number;
  private readonly subscriptions = new Set<KurrentDbSubscription>();
  private closing: Promise<void> | undefined;

  /** `connection` is a KurrentDB connection string (`kurrentdb://host:2113?tls=false`) or a client. */
  constructor(connection: string | KurrentDBClient, options: KurrentDbEventStoreOptions = {}) {
    this.client = typeof connection === 'string' ? KurrentDBClient.connectionString(connection) : connection;
    this.appendAttempts = Math.max(1, options.appendAttempts ?? 10);
    this.pageSize = Math.max(2, options.pageSize ?? 500);
    this.subscriptionBuffer = Math.max(1, options.subscriptionBuffer ?? 64);
    this.checkpoints = new KurrentDbCheckpointStore(this.client);
  }

  /** A store on the KurrentDB server at `url` (a connection string, `kurrentdb://host:2113?tls=false`). */
  static connect(url: string, options: KurrentDbEventStoreOptions = {}): KurrentDbEventStore {
    return new KurrentDbEventStore(url, options);
  }

  // ---------------------------------------------------------------- append

  async append(stream: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const requested = options.expectedRevision ?? 'any';
    const expected = normalizeExpected(requested);

    // Ids are fixed once so that every attempt (ours or the caller's retry) is the same write.
    const prepared = events.map((event) => prepareEvent(event, randomUUID));
    for (let attempt = 1; ; attempt++) {
      const base = await this.chainBase(
        stream,
        expected,
        requested,
        prepared.map((event) => event.id),
      );
      if ('result' in base) return base.result;

      const recordedAt = new Date().toISOString();
      const chained = chainEvents(stream, base.nextRevision, base.prevHash, prepared, recordedAt);
      try {
        const written = await this.client.appendToStream(stream, chained.map(toEventData), {
          streamState: base.streamState,
        });
        return await this.appendResult(stream, chained[chained.length - 1], written);
      } catch (error) {
        if (!isWrongExpectedVersionError(error)) throw error;
        // 'any' / 'stream_exists' were turned into the exact revision read above: another writer
        // got in between, so read again and re-chain.
        const retry = (expected === 'any' || expected === 'stream_exists') && attempt < this.appendAttempts;
        if (!retry) throw toWrongExpectedVersion(error, stream, requested);
        await sleep(Math.random() * 5 * attempt);
      }
    }
  }

  /**
   * The revision and $all position of the last event of a successful append. The events sit at
   * the revisions the expected revision implies, whether the server wrote them now or already had
   * them (idempotent retry, where its result carries no position), so read the last one back.
   */
  private async appendResult(
    stream: string,
    last: ChainedEvent,
    written: { nextExpectedRevision: bigint; position?: Position },
  ): Promise<AppendResult> {
    let found = await this.readAt(stream, last.revision);
    let revision = last.revision;
    if (found?.event?.id !== last.event.id) {
      revision = Number(written.nextExpectedRevision);
      found = await this.readAt(stream, revision);
    }
    const position = (found && clientPositionOf(found)) ?? written.position;
    return { nextExpectedRevision: revision, position: position ? Number(position.commit) : -1 };
  }

  /**
   * Reads what the new events must link to. For an exact revision n that is the event at n (not
   * the stream's last one), so that a retry of an append already done (same ids, same expected
   * revision, stream now ahead) reaches the server as the same write and succeeds idempotently.
   */
  private async chainBase(
    stream: string,
    expected: ExpectedRevision,
    requested: ExpectedRevision,
    ids: string[],
  ): Promise<ChainBase | { result: AppendResult }> {
    if (expected === 'no_stream') {
      return { streamState: NO_STREAM, nextRevision: 0, prevHash: GENESIS_HASH };
    }
    if (typeof expected === 'number') {
      const at = await this.readAt(stream, expected);
      const event = at && toRecordedEvent(at);
      if (!event) {
        const [last] = await this.readLast(stream, 1);
        throw new WrongExpectedVersion(stream, requested, last?.event ? Number(last.event.revision) : -1);
      }
      return { streamState: BigInt(expected), nextRevision: expected + 1, prevHash: event.hash };
    }
    // 'any' | 'stream_exists': continue from the stream's last event, at exactly its revision.
    const tail = (await this.readLast(stream, ids.length)).map((resolved) => toRecordedEvent(resolved)).filter(isDefined);
    const last = tail[0];
    if (!last) {
      if (expected === 'stream_exists') throw new WrongExpectedVersion(stream, requested, -1);
      return { streamState: NO_STREAM, nextRevision: 0, prevHash: GENESIS_HASH };
    }
    // The same ids already at the end of the stream: a retry of the last append. (KurrentDB's own
    // best-effort idempotency for ANY is lost once we send an exact revision, so check here.)
    const newestFirst = [...ids].reverse();
    if (tail.length === ids.length && tail.every((event, index) => event.id === newestFirst[index])) {
      return { result: { nextExpectedRevision: last.revision, position: last.position } };
    }
    return { streamState: BigInt(last.revision), nextRevision: last.revision + 1, prevHash: last.hash };
  }

  // ---------------------------------------------------------------- stream reads

  /** skipTypes is left unused: the events come over the wire either way, and returning all of them keeps the contract. */
  async readStream<T = unknown>(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent<T>[]> {
    const direction = options.direction ?? FORWARDS;
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    if (options.from !== undefined && (!Number.isSafeInteger(options.from) || options.from < 0)) {
      throw new RangeError(`from must be a non-negative integer, got ${options.from}`);
    }
    const resolved = await this.collectStream(stream, {
      direction,
      fromRevision: options.from !== undefined ? BigInt(options.from) : direction === BACKWARDS ? END : START,
      maxCount: options.maxCount,
    });
    return resolved.map((event) => toRecordedEvent<T>(event)).filter(isDefined);
  }

  private async collectStream(
    stream: string,
    options: { direction: Direction; fromRevision: bigint | typeof START | typeof END; maxCount?: number },
  ): Promise<ResolvedEvent[]> {
    const events: ResolvedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, options)) events.push(resolved);
    } catch (error) {
      if (isStreamNotFoundError(error)) return [];
      throw error;
    }
    return events;
  }

  private async readAt(stream: string, revision: number): Promise<ResolvedEvent | undefined> {
    const [resolved] = await this.collectStream(stream, {
      direction: FORWARDS,
      fromRevision: BigInt(revision),
      maxCount: 1,
    });
    return resolved?.event && Number(resolved.event.revision) === revision ? resolved : undefined;
  }

  /** The last `count` events of the stream, newest first; [] when it does not exist. */
  private readLast(stream: string, count: number): Promise<ResolvedEvent[]> {
    return this.collectStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: Math.max(1, count) });
  }

  // ---------------------------------------------------------------- $all

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    const events: RecordedEvent[] = [];
    if (options.fromPosition !== undefined && !Number.isSafeInteger(options.fromPosition)) {
      throw new RangeError(`fromPosition must be an integer, got ${options.fromPosition}`);
    }
    if (maxCount <= 0) return events;
    const pageSize = Math.min(this.pageSize, Math.max(2, Number.isFinite(maxCount) ? maxCount : this.pageSize));
    const filter = toServerFilter(options.filter);
    for await (const resolved of this.scanFrom(options.fromPosition, filter, pageSize)) {
      const event = toRecordedEvent(resolved);
      if (!event || !matchesFilter(event, options.filter)) continue;
      events.push(event);
      if (events.length >= maxCount) break;
    }
    return events;
  }

  async headPosition(): Promise<number> {
    const filter = streamNameFilter({ regex: VISIBLE_STREAMS_REGEX });
    for await (const resolved of this.scanAll(BACKWARDS, END, filter, this.pageSize)) {
      const event = toRecordedEvent(resolved);
      if (event && matchesFilter(event, undefined)) return event.position;
    }
    return -1;
  }

  async ping(): Promise<void> {
    for await (const _ of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) {
      // reaching the server is all that matters
    }
  }

  /**
   * $all forwards from a numeric position, inclusive. A position that is not an event's (for
   * example `last + 1`) is not a record boundary and the server refuses to read from it, so then
   * the read restarts at the first event at or after it.
   */
  private async *scanFrom(
    fromPosition: number | undefined,
    filter: Filter,
    pageSize: number,
  ): AsyncGenerator<AllStreamResolvedEvent> {
    if (fromPosition === undefined || fromPosition <= 0) {
      yield* this.scanAll(FORWARDS, START, filter, pageSize);
      return;
    }
    const min = BigInt(fromPosition);
    let yielded = false;
    try {
      for await (const resolved of this.scanAll(FORWARDS, toClientPosition(fromPosition), filter, pageSize)) {
        const position = clientPositionOf(resolved);
        if (position && position.commit < min) continue;
        yielded = true;
        yield resolved;
      }
      return;
    } catch (error) {
      if (yielded) throw error;
      const located = await this.locateAtOrAfter(fromPosition, error);
      if (!located) return;
      yield* this.scanAll(FORWARDS, located, filter, pageSize);
    }
  }

  /** $all in pages of `pageSize` (continuing from the last event read), with the server filter. */
  private async *scanAll(
    direction: Direction,
    from: ReadPosition,
    filter: Filter | undefined,
    pageSize: number,
  ): AsyncGenerator<AllStreamResolvedEvent> {
    let fromPosition = from;
    let last: Position | undefined;
    for (;;) {
      let read = 0;
      let progressed = false;
      for await (const resolved of this.client.readAll({ direction, fromPosition, maxCount: pageSize, filter })) {
        read++;
        const position = clientPositionOf(resolved);
        // A page continues from the last event read, which the server may return again.
        if (last && position) {
          const order = comparePositions(position, last);
          if (direction === FORWARDS ? order <= 0 : order >= 0) continue;
        }
        if (position) last = position;
        progressed = true;
        yield resolved;
      }
      if (read < pageSize || !progressed || !last) return;
      fromPosition = last;
    }
  }

  /**
   * The position of the first event (of any stream) at or after `position`, or undefined when
   * there is none. Tries the position itself, then walks back from the end of $all.
   */
  private async locateAtOrAfter(position: number, knownError?: unknown): Promise<Position | undefined> {
    const min = BigInt(position);
    if (knownError === undefined) {
      try {
        for await (const resolved of this.client.readAll({
          direction: FORWARDS,
          fromPosition: toClientPosition(position),
          maxCount: 1,
        })) {
          const found = clientPositionOf(resolved);
          if (found && found.commit >= min) return found;
        }
        return undefined;
      } catch (error) {
        knownError = error;
      }
    }
    try {
      let candidate: Position | undefined;
      for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END })) {
        const found = clientPositionOf(resolved);
        if (!found) continue;
        if (found.commit < min) break;
        candidate = found;
      }
      return candidate;
    } catch {
      throw knownError;
    }
  }

  /** The position of the last event (of any stream) strictly before `position`, if any. */
  private async eventBefore(position: Position): Promise<Position | undefined> {
    for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: position, maxCount: 2 })) {
      const found = clientPositionOf(resolved);
      if (found && comparePositions(found, position) < 0) return found;
    }
    return undefined;
  }

  /** The position of the last event of $all, system ones included. */
  private async lastPosition(): Promise<Position | undefined> {
    for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) {
      return clientPositionOf(resolved);
    }
    return undefined;
  }

  /**
   * Where to start the client's catch-up subscription, which delivers events strictly AFTER the
   * position it is given (reads are inclusive, subscriptions exclusive), and which events to
   * drop on our side (the ones before the requested start). Used by subscriptions.
   */
  async subscriptionStart(
    start: { after: number } | { from: number | undefined },
  ): Promise<{ fromPosition: ReadPosition; accept: (position: number) => boolean }> {
    if ('after' in start) {
      const after = start.after;
      // The checkpoint is normally an event's own position: subscribe right after it.
      try {
        for await (const resolved of this.client.readAll({
          direction: FORWARDS,
          fromPosition: toClientPosition(after),
          maxCount: 1,
        })) {
          const found = clientPositionOf(resolved);
          if (found && found.commit === BigInt(after)) {
            return { fromPosition: found, accept: (position) => position > after };
          }
        }
      } catch {
        // not an event position: fall through to the general case
      }
      const next = await this.subscriptionStart({ from: after + 1 });
      return { fromPosition: next.fromPosition, accept: (position) => position > after };
    }
    const from = start.from;
    if (from === undefined || from <= 0) return { fromPosition: START, accept: () => true };
    const accept = (position: number) => position >= from;
    // The head first: whatever is appended from now on comes after it, so when nothing is at or
    // after `from` yet, subscribing after the head misses nothing.
    const head = await this.lastPosition();
    if (!head) return { fromPosition: START, accept };
    if (head.commit < BigInt(from)) return { fromPosition: head, accept };
    const first = (await this.locateAtOrAfter(from)) ?? head;
    return { fromPosition: (await this.eventBefore(first)) ?? START, accept };
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    const subscription = new KurrentDbSubscription(this, options, options.batchSize ?? this.subscriptionBuffer, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Once, however often it is asked (a shutdown run twice). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
      await this.client.dispose();
    })();
    return this.closing;
  }
}

/** A catch-up subscription: the client's subscribeToAll (a Readable, so back-pressured) mapped. */
class KurrentDbSubscription implements Subscription {
  private closed = false;
  private live?: AllStreamSubscription;
  private iterator?: AsyncGenerator<RecordedEvent>;

  constructor(
    private readonly store: KurrentDbEventStore,
    private readonly options: SubscribeOptions,
    private readonly buffer: number,
    private readonly onClosed: () => void,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    this.iterator ??= this.run();
    return this.iterator;
  }

  private async *run(): AsyncGenerator<RecordedEvent> {
    const { checkpointName, filter } = this.options;
    try {
      const saved = checkpointName === undefined ? undefined : await this.store.checkpoints.load(checkpointName);
      const start = await this.store.subscriptionStart(
        saved !== undefined ? { after: saved } : { from: this.options.fromPosition },
      );
      if (this.closed) return;
      const live = this.store.client.subscribeToAll(
        { fromPosition: start.fromPosition, filter: toServerFilter(filter) },
        { highWaterMark: this.buffer },
      );
      // Errors reach the iterator; this keeps a late one (after it is gone) from being unhandled.
      live.on('error', () => {});
      this.live = live;
      for await (const resolved of live) {
        const event = toRecordedEvent(resolved as AllStreamResolvedEvent);
        if (!event || !start.accept(event.position) || !matchesFilter(event, filter)) continue;
        yield event;
        if (this.closed) return;
      }
    } catch (error) {
      if (!this.closed) throw error;
    } finally {
      await this.stopLive();
      this.closed = true;
      this.onClosed();
    }
  }

  async checkpoint(position: number): Promise<void> {
    const name = this.options.checkpointName;
    if (name === undefined) throw new Error('Subscription.checkpoint needs SubscribeOptions.checkpointName');
    await this.store.checkpoints.save(name, position);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stopLive();
    // Lets a generator paused at a yield (or still starting) run its `finally`.
    await this.iterator?.return(undefined);
    this.onClosed();
  }

  private async stopLive(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    if (!live) return;
    try {
      await live.unsubscribe();
    } catch {
      // already gone: destroying it is all that is left to do
    } finally {
      live.destroy();
    }
  }
}

/** Checkpoints as events in `rl-checkpoint-<name>`, a stream capped to its last event. */
class KurrentDbCheckpointStore implements CheckpointStore {
  private readonly capped = new Set<string>();

  constructor(private readonly client: KurrentDBClient) {}

  async load(name: string): Promise<number | undefined> {
    try {
      for await (const resolved of this.client.readStream(checkpointStreamName(name), {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
      })) {
        const position = (resolved.event?.data as { position?: unknown } | undefined)?.position;
        return typeof position === 'number' ? position : undefined;
      }
    } catch (error) {
      if (!isStreamNotFoundError(error)) throw error;
    }
    return undefined;
  }

  async save(name: string, position: number): Promise<void> {
    if (!Number.isSafeInteger(position)) throw new RangeError(`checkpoint position must be an integer, got ${position}`);
    const stream = checkpointStreamName(name);
    if (!this.capped.has(stream)) {
      const { metadata } = await this.client.getStreamMetadata(stream);
      if (metadata?.maxCount !== 1) await this.client.setStreamMetadata(stream, { ...metadata, maxCount: 1 });
      this.capped.add(stream);
    }
    await this.client.appendToStream(stream, jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { position } }));
  }
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

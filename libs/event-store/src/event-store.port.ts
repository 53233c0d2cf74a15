/**
 * The event store port. Its semantics follow KurrentDB (streams, revisions from 0, one global
 * order across streams, optimistic concurrency) so the KurrentDB adapter stays a thin mapping
 * and the SQL adapters imitate it.
 */

/** `any`: no check; `no_stream`: the stream must not exist; `stream_exists`: it must; a number: its last revision must be exactly that. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

/** Who and what caused an event. Every field is optional; extra keys are kept as given. */
export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  requestId?: string;
  /** The partner party the exchange came from, `CC*PID` (for example `DE*ABC`). */
  partner?: string;
  /** When the request that caused the event was received (ISO 8601, UTC). */
  receivedAt?: string;
  [key: string]: unknown;
}

export interface NewEvent<T = unknown> {
  /** A uuid; retrying an append with the same ids is what makes it idempotent. Generated when absent. */
  id?: string;
  type: string;
  data: T;
  metadata?: EventMetadata;
}

export interface RecordedEvent<T = unknown> {
  id: string;
  type: string;
  data: T;
  metadata: EventMetadata;
  stream: string;
  /** Position in its stream, from 0. */
  revision: number;
  /** Position in the one total order across all streams; strictly increasing, not necessarily contiguous. */
  position: number;
  /** ISO 8601, UTC, set by the store. */
  recordedAt: string;
  /** `hash` of the previous event of the same stream, or GENESIS_HASH for revision 0. */
  prevHash: string;
  /** sha256(prevHash + canonical JSON of the event): see hash-chain.ts. */
  hash: string;
}

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event now in the stream: the expectedRevision for the next append. */
  nextExpectedRevision: number;
  /** Global position of the last event appended (or found, on an idempotent retry). */
  position: number;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** Revision to start at (inclusive). Default: 0 forwards, the last revision backwards. */
  from?: number;
  direction?: Direction;
  maxCount?: number;
  /**
   * Events of these types may be left out (a hint: an adapter may return them all), but never
   * the stream's last event, so a reader always learns the revision it read to. For a decider's
   * reads: the requests that caused its events (HandleOptions.cause) are not folded.
   */
  skipTypes?: readonly string[];
}

/** Which events to read. An absent or empty list does not constrain (every adapter reads it so). */
export interface EventFilter {
  /** Keep events whose stream name starts with one of these. */
  streamPrefixes?: readonly string[];
  /** Keep events of one of these types. */
  eventTypes?: readonly string[];
}

/** The one meaning of an EventFilter, for every adapter, projection and subscription that filters in code. */
export function matchesEventFilter(event: { stream: string; type: string }, filter: EventFilter | undefined): boolean {
  const prefixes = filter?.streamPrefixes;
  if (prefixes?.length && !prefixes.some((prefix) => event.stream.startsWith(prefix))) return false;
  const types = filter?.eventTypes;
  if (types?.length && !types.includes(event.type)) return false;
  return true;
}

export interface ReadAllOptions {
  /** Global position to start at (inclusive). Default: the beginning of the log. */
  fromPosition?: number;
  maxCount?: number;
  filter?: EventFilter;
}

export interface SubscribeOptions {
  /** Global position to start at (inclusive). Ignored when `checkpointName` has a stored checkpoint. */
  fromPosition?: number;
  filter?: EventFilter;
  /** A named subscriber resumes after the position it last saved with `Subscription.checkpoint`. */
  checkpointName?: string;
  /** Events fetched per read while catching up. */
  batchSize?: number;
}

/**
 * A catch-up subscription to `$all`: every past event, then live ones, in global order, never
 * skipping one. Pulls the next batch only when the consumer asks (back-pressure).
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  /** Save `position` as the last processed one for this subscription's checkpointName. */
  checkpoint(position: number): Promise<void>;
  close(): Promise<void>;
}

export interface CheckpointStore {
  load(name: string): Promise<number | undefined>;
  save(name: string, position: number): Promise<void>;
}

/** A stream's state as a decider folded it up to `revision`: where a cold start begins instead of revision 0. */
export interface Snapshot {
  stream: string;
  /** Which decider (and which version of its code) folded the state. */
  key: string;
  revision: number;
  position: number;
  state: unknown;
}

/** Snapshots are a cache beside the log, never evidence: losing them only costs reading. */
export interface SnapshotStore {
  load(stream: string, key: string): Promise<Snapshot | undefined>;
  /** Keeps the newer of the stored and the given snapshot. */
  save(snapshot: Snapshot): Promise<void>;
}

export interface EventStore {
  readonly kind: 'pglite' | 'postgres' | 'kurrentdb';
  append(stream: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  readStream<T = unknown>(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent<T>[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  readonly checkpoints: CheckpointStore;
  /** Where kept: state snapshots for a cold start (see stream-states.ts). */
  readonly snapshots?: SnapshotStore;
  /**
   * Optional: reads the stream's events after revision `after`, asks `decide` what to append given
   * them, and appends it with no other append in between (the SQL stores hold the log lock). The
   * way out for a writer that keeps losing the optimistic race to a busy writer in another process.
   */
  appendExclusively?(
    stream: string,
    after: number,
    decide: (newer: RecordedEvent[]) => NewEvent[],
  ): Promise<{ newer: RecordedEvent[]; result?: AppendResult }>;
  /**
   * Optional: true when this process knows that `revision` is the stream's last, because every
   * append to the store goes through it (an embedded store, locked to one process). A read of the
   * stream's state can then skip asking the store what follows.
   */
  knowsLatest?(stream: string, revision: number): boolean;
  /**
   * Optional: a reading of the highest position this process appended to streams starting with
   * one of `prefixes` (-1: none yet), kept in memory. An in-memory projection fed by a
   * subscription can tell from it, without a round trip, whether it already holds every event its
   * own process wrote; other processes' appends reach it with their notification.
   */
  watchAppends?(prefixes: readonly string[]): () => number;
  /** Position of the last event in the log, or -1 when it is empty. */
  headPosition(): Promise<number>;
  /** Throws when the store cannot serve requests (used by readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** DI token for the EventStore port. */
export const EVENT_STORE = Symbol('EVENT_STORE');

export class WrongExpectedVersion extends Error {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** Last revision of the stream, or -1 when it does not exist. */
    readonly actual: number,
  ) {
    super(`Wrong expected version on stream ${stream}: expected ${String(expected)}, actual ${actual}`);
    this.name = 'WrongExpectedVersion';
  }
}

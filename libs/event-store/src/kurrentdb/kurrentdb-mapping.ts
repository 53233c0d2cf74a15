/**
 * Pure mapping between the EventStore port and the KurrentDB client (no I/O), kept apart from
 * the adapter so it can be unit tested without a server.
 */
import {
  ANY,
  type AppendStreamState,
  ErrorType,
  type EventData,
  eventTypeFilter,
  type Filter,
  type JSONType,
  jsonEvent,
  NO_STREAM,
  type Position,
  STREAM_EXISTS,
  streamNameFilter,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import {
  type EventFilter,
  type EventMetadata,
  type ExpectedRevision,
  matchesEventFilter,
  type RecordedEvent,
  WrongExpectedVersion,
} from '../event-store.port';
import { eventHash } from '../hash-chain';

/** Key of the event metadata member that carries the hash chain; stripped from `RecordedEvent.metadata`. */
export const CHAIN_METADATA_KEY = '$rl';

/** Checkpoints are stored as events in `rl-checkpoint-<name>` (stream metadata `$maxCount: 1`). */
export const CHECKPOINT_STREAM_PREFIX = 'rl-checkpoint-';
export const CHECKPOINT_EVENT_TYPE = 'rl.checkpoint';

export function checkpointStreamName(name: string): string {
  return `${CHECKPOINT_STREAM_PREFIX}${name}`;
}

/** What the adapter keeps under `metadata.$rl` of every event it appends. */
export interface ChainMetadata {
  prevHash: string;
  hash: string;
  /** Set by the adapter before hashing (the server's `created` is only known after the write). */
  recordedAt: string;
}

/**
 * The port's expected revision as the client's stream state. -1 (what WrongExpectedVersion
 * reports as the actual revision of a missing stream) is taken to mean `no_stream`.
 */
export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (expected === -1) return NO_STREAM;
      if (!Number.isSafeInteger(expected) || expected < -1) {
        throw new RangeError(
          `expectedRevision must be 'any', 'no_stream', 'stream_exists' or an integer >= -1, got ${String(expected)}`,
        );
      }
      return BigInt(expected);
  }
}

/** Normalises a port expected revision: -1 becomes 'no_stream' (see toStreamState). */
export function normalizeExpected(expected: ExpectedRevision | undefined): ExpectedRevision {
  if (expected === undefined) return 'any';
  if (expected === -1) return 'no_stream';
  toStreamState(expected); // validates
  return expected;
}

/**
 * A numeric global position as a client `Position`. Since server v20 an event appended in an
 * (implicit) write has commit position == prepare position == its own log position, and the port's
 * position is that commit position, so {commit: p, prepare: p} addresses the event at p.
 */
export function toClientPosition(position: number): Position {
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new RangeError(`position must be a non-negative integer, got ${position}`);
  }
  return { commit: BigInt(position), prepare: BigInt(position) };
}

/** Total order of client positions: commit, then prepare. */
export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/**
 * What the store will give back for a JSON value: the JSON round trip (undefined becomes null,
 * Dates become strings, undefined members are dropped). The hash is computed over this so a
 * reader can recompute it from what it reads.
 */
export function normalizeJson(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function isChainMetadata(value: unknown): value is ChainMetadata {
  return (
    isPlainObject(value) &&
    typeof value.prevHash === 'string' &&
    typeof value.hash === 'string' &&
    typeof value.recordedAt === 'string'
  );
}

/** Splits stored metadata into the caller's metadata and the adapter's hash chain part. */
export function splitMetadata(raw: unknown): { metadata: EventMetadata; chain?: ChainMetadata } {
  if (!isPlainObject(raw)) return { metadata: {} };
  const { [CHAIN_METADATA_KEY]: chain, ...metadata } = raw;
  return isChainMetadata(chain) ? { metadata, chain } : { metadata };
}

/** Caller metadata plus the hash chain part, as stored. */
export function joinMetadata(metadata: EventMetadata, chain: ChainMetadata): Record<string, unknown> {
  return { ...metadata, [CHAIN_METADATA_KEY]: chain };
}

/** An event ready to be chained: id assigned, data and metadata normalised. */
export interface PreparedEvent {
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

export function prepareEvent(
  event: { id?: string; type: string; data: unknown; metadata?: EventMetadata },
  newId: () => string,
): PreparedEvent {
  const metadata = normalizeJson(event.metadata ?? {});
  const userMetadata = isPlainObject(metadata) ? { ...metadata } : {};
  delete userMetadata[CHAIN_METADATA_KEY];
  return { id: event.id ?? newId(), type: event.type, data: normalizeJson(event.data), metadata: userMetadata };
}

export interface ChainedEvent {
  event: PreparedEvent;
  revision: number;
  chain: ChainMetadata;
}

/** Links `events` after `prevHash`, the first one at `firstRevision`. */
export function chainEvents(
  stream: string,
  firstRevision: number,
  prevHash: string,
  events: PreparedEvent[],
  recordedAt: string,
): ChainedEvent[] {
  let previous = prevHash;
  return events.map((event, index) => {
    const revision = firstRevision + index;
    const hash = eventHash(previous, { ...event, stream, revision, recordedAt });
    const chain = { prevHash: previous, hash, recordedAt };
    previous = hash;
    return { event, revision, chain };
  });
}

/** A chained event as the client's JSON EventData, the chain in metadata.$rl. */
export function toEventData(chained: ChainedEvent): EventData {
  return jsonEvent({
    id: chained.event.id,
    type: chained.event.type,
    // The client JSON.stringifies data; JSONType only narrows what TypeScript accepts.
    data: chained.event.data as JSONType,
    metadata: joinMetadata(chained.event.metadata, chained.chain),
  });
}

/** The fields of a client recorded event the mapping uses (readStream, readAll and subscriptions). */
export interface ClientRecordedEvent {
  streamId: string;
  id: string;
  type: string;
  revision: bigint;
  created: Date;
  data: unknown;
  metadata?: unknown;
  position?: Position;
}

export interface ClientResolvedEvent {
  event?: ClientRecordedEvent;
  commitPosition?: bigint;
}

/** The event's own $all position (stream reads return it from server 22.6 on). */
export function clientPositionOf(resolved: ClientResolvedEvent): Position | undefined {
  if (resolved.event?.position) return resolved.event.position;
  if (resolved.commitPosition !== undefined) {
    return { commit: resolved.commitPosition, prepare: resolved.commitPosition };
  }
  return undefined;
}

/**
 * A client event as the port's RecordedEvent. Events not written by this adapter (no $rl) map
 * with prevHash/hash '' and recordedAt from the server's `created`.
 */
export function toRecordedEvent<T = unknown>(resolved: ClientResolvedEvent): RecordedEvent<T> | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  const { metadata, chain } = splitMetadata(event.metadata);
  const position = clientPositionOf(resolved);
  return {
    id: event.id,
    type: event.type,
    data: event.data as T,
    metadata,
    stream: event.streamId,
    revision: Number(event.revision),
    position: position ? Number(position.commit) : -1,
    recordedAt: chain?.recordedAt ?? event.created.toISOString(),
    prevHash: chain?.prevHash ?? '',
    hash: chain?.hash ?? '',
  };
}

export function isWrongExpectedVersionError(error: unknown): error is WrongExpectedVersionError {
  return (
    error instanceof WrongExpectedVersionError || (error as { type?: unknown } | null)?.type === ErrorType.WRONG_EXPECTED_VERSION
  );
}

export function isStreamNotFoundError(error: unknown): boolean {
  return (error as { type?: unknown } | null)?.type === ErrorType.STREAM_NOT_FOUND;
}

/** The client's WrongExpectedVersionError as the port's, actual -1 when the stream does not exist. */
export function toWrongExpectedVersion(
  error: WrongExpectedVersionError,
  stream: string,
  expected: ExpectedRevision,
): WrongExpectedVersion {
  const actual = typeof error.actualState === 'bigint' ? Number(error.actualState) : -1;
  return new WrongExpectedVersion(stream, expected, actual);
}

/** A stream the port never exposes: system streams (`$...`) and the adapter's checkpoint streams. */
export function isHiddenStream(stream: string): boolean {
  return stream.startsWith('$') || stream.startsWith(CHECKPOINT_STREAM_PREFIX);
}

/** Server regex (.NET) keeping every stream but the hidden ones. */
export const VISIBLE_STREAMS_REGEX = `^(?!\\$|${CHECKPOINT_STREAM_PREFIX})`;

/**
 * The server-side part of a port filter. KurrentDB filters on stream name OR event type, by
 * prefix or regex, so: stream prefixes when given, else the event types as prefixes, else the
 * visible-streams regex. `matchesFilter` then applies the whole filter exactly on the client.
 */
export function toServerFilter(filter: EventFilter | undefined): Filter {
  if (filter?.streamPrefixes?.length) {
    return streamNameFilter({ prefixes: [...filter.streamPrefixes] });
  }
  if (filter?.eventTypes?.length) {
    return eventTypeFilter({ prefixes: [...filter.eventTypes] });
  }
  return streamNameFilter({ regex: VISIBLE_STREAMS_REGEX });
}

/** The exact port filter (empty lists mean no constraint), system and checkpoint events excluded. */
export function matchesFilter(event: { stream: string; type: string }, filter: EventFilter | undefined): boolean {
  if (isHiddenStream(event.stream) || event.type.startsWith('$')) return false;
  return matchesEventFilter(event, filter);
}

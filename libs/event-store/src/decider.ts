import { setTimeout as sleep } from 'node:timers/promises';
import type { EventMetadata, EventStore, NewEvent, RecordedEvent } from './event-store.port';
import { WrongExpectedVersion } from './event-store.port';
import { type KnownStream, streamStatesOf } from './stream-states';

/** A domain event as deciders produce it: plain data, no I/O, no store fields. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/**
 * Pure domain logic of one aggregate: `decide` turns a command and the current state into events
 * (or throws a rejection), `evolve` folds an event into the state. Events of types it does not
 * know (such as the recorded request that caused them) must leave the state unchanged.
 */
export interface Decider<Command, Event extends DomainEvent, State> {
  initialState: () => State;
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
}

export function foldEvents<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  events: Iterable<Pick<RecordedEvent, 'type' | 'data'>>,
): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event as Event);
  return state;
}

export interface HandleOptions {
  /** Appended first, in the same atomic append: what caused the command (the OCPI request). */
  cause?: NewEvent;
  /** Metadata for the decided events; causationId defaults to the cause's id. */
  metadata?: EventMetadata;
  /** Append nothing, not even the cause, when the command decides no events (an object pulled again). */
  skipWhenNoEvents?: boolean;
}

export interface Handled<Event extends DomainEvent, State> {
  events: Event[];
  state: State;
  /** Global position of the last event appended. */
  position: number;
}

/** Attempts when other processes keep appending to the same stream; same-process writers queue instead. */
const MAX_ATTEMPTS = 10;
/** Optimistic attempts before a store that can append exclusively is asked to. */
const OPTIMISTIC_ATTEMPTS = 3;
const BACKOFF_BASE_MS = 2;
const BACKOFF_CAP_MS = 200;

/**
 * Decide on the stream's state and append with its revision: the one way commands reach the log.
 * The state comes from memory (streamStatesOf): no read on the way, whatever the stream's length.
 * Commands on one stream queue in this process; a writer in another process makes the append fail
 * on its expected revision, and the command is decided again on the newer events after a jittered
 * backoff; after a few lost races, under the store's log lock where it has one (appendExclusively),
 * so a busy writer elsewhere cannot starve it. One append per command: the cause and its domain
 * events in one transaction.
 */
export async function handleCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  options: HandleOptions = {},
): Promise<Handled<Event, State>> {
  const states = streamStatesOf(store);
  const folder = decider as unknown as Decider<unknown, DomainEvent, State>;
  const toAppendFor = (events: Event[]): NewEvent[] => {
    const metadata: EventMetadata = { ...options.metadata };
    if (options.cause?.id) metadata.causationId ??= options.cause.id;
    if (events.length === 0 && options.skipWhenNoEvents) return [];
    return [
      ...(options.cause ? [options.cause] : []),
      ...events.map((event) => ({ type: event.type, data: event.data, metadata })),
    ];
  };
  return states.exclusive(stream, async () => {
    for (let attempt = 1; ; attempt++) {
      const known = await states.load(stream, folder, false);
      if (attempt > OPTIMISTIC_ATTEMPTS && store.appendExclusively) {
        // Losing again and again to a busy writer elsewhere: read, decide and append under the log lock.
        let decided: { events: Event[]; toAppend: NewEvent[]; before: KnownStream<State> } | undefined;
        const { newer, result } = await store.appendExclusively(stream, known.revision, (newer) => {
          const last = newer[newer.length - 1];
          const before = last
            ? { state: foldOn(folder, known.state, newer), revision: last.revision, position: last.position }
            : known;
          const events = decider.decide(command, before.state);
          decided = { events, toAppend: toAppendFor(events), before };
          return decided.toAppend;
        });
        if (!decided) throw new Error(`append to ${stream}: nothing was decided`);
        const { events, toAppend, before } = decided as { events: Event[]; toAppend: NewEvent[]; before: KnownStream<State> };
        if (!result) {
          if (newer.length) states.moved(stream);
          return { events, state: before.state, position: before.position };
        }
        const state = states.appended(stream, folder, before, toAppend, result);
        return { events, state, position: result.position };
      }
      const events = decider.decide(command, known.state);
      const toAppend = toAppendFor(events);
      if (toAppend.length === 0) return { events, state: known.state, position: known.position };
      try {
        const expectedRevision = known.revision >= 0 ? known.revision : 'no_stream';
        const result = await store.append(stream, toAppend, { expectedRevision });
        const state = states.appended(stream, folder, known, toAppend, result);
        return { events, state, position: result.position };
      } catch (error) {
        states.moved(stream);
        if (!(error instanceof WrongExpectedVersion) || attempt >= MAX_ATTEMPTS) throw error;
        await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
      }
    }
  });
}

function foldOn<State>(decider: Decider<unknown, DomainEvent, State>, state: State, events: RecordedEvent[]): State {
  return events.reduce((folded, event) => decider.evolve(folded, event as DomainEvent), state);
}

/**
 * A stream's current state for reading (a GET): the state kept in memory, brought up to date with
 * the events appended since (by any process), never a replay of the whole stream.
 */
export async function currentState<State>(
  store: EventStore,
  stream: string,
  decider: Pick<Decider<never, DomainEvent, State>, 'initialState' | 'evolve' | 'decide'>,
): Promise<KnownStream<State>> {
  return streamStatesOf(store).load(stream, decider as unknown as Decider<unknown, DomainEvent, State>, true);
}

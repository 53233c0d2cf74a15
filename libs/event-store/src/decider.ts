import { type Decider, type DomainEvent, foldEvents } from '@roamledger/kernel';
import type { EventMetadata, EventStore, NewEvent } from './event-store.port';
import { WrongExpectedVersion } from './event-store.port';

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

const MAX_ATTEMPTS = 5;

/**
 * Read the stream, decide, append with the revision read: the one way commands reach the log.
 * A concurrent writer makes the append fail on its expected revision; the command is then
 * decided again on the newer state.
 */
export async function handleCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  options: HandleOptions = {},
): Promise<Handled<Event, State>> {
  for (let attempt = 1; ; attempt++) {
    const history = await store.readStream(stream);
    const state = foldEvents(decider, history);
    const events = decider.decide(command, state);
    const metadata: EventMetadata = { ...options.metadata };
    if (options.cause?.id) metadata.causationId ??= options.cause.id;
    const toAppend: NewEvent[] = [
      ...(options.cause ? [options.cause] : []),
      ...events.map((event) => ({ type: event.type, data: event.data, metadata })),
    ];
    const expectedRevision = history.length ? history[history.length - 1].revision : 'no_stream';
    if (toAppend.length === 0 || (events.length === 0 && options.skipWhenNoEvents)) {
      return { events, state, position: history.length ? history[history.length - 1].position : -1 };
    }
    try {
      const result = await store.append(stream, toAppend, { expectedRevision });
      const newState = events.reduce((s, event) => decider.evolve(s, event), state);
      return { events, state: newState, position: result.position };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

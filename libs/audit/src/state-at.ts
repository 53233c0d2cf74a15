import type { RecordedEvent } from '@roamledger/event-store';
import type { DomainEvent } from '@roamledger/kernel';

/** How to fold the events of streams starting with `prefix`: a module's decider (its evolve). */
export interface AggregateFold<State = unknown> {
  prefix: string;
  name: string;
  initialState(): State;
  evolve(state: State, event: DomainEvent): State;
}

/** A point in the log: a global position (inclusive) or a time (events recorded at or before it). */
export type AtPoint = { position: number } | { time: string };

/** `1234` is a position; anything else must be an ISO 8601 time. */
export function parseAt(text: string): AtPoint {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { position: Number(trimmed) };
  const millis = Date.parse(trimmed);
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed) || Number.isNaN(millis)) {
    throw new Error(`"${text}" is neither a position nor an ISO 8601 time`);
  }
  return { time: new Date(millis).toISOString() };
}

export function isAtOrBefore(event: Pick<RecordedEvent, 'position' | 'recordedAt'>, at: AtPoint): boolean {
  return 'position' in at ? event.position <= at.position : Date.parse(event.recordedAt) <= Date.parse(at.time);
}

/** For streams no module claims: each event type's latest data. */
export const LAST_DATA_PER_TYPE: AggregateFold<Record<string, unknown>> = {
  prefix: '',
  name: 'last data per type',
  initialState: () => ({}),
  evolve: (state, event) => ({ ...state, [event.type]: event.data }),
};

export interface StateAt {
  stream: string;
  at: AtPoint;
  aggregate: string;
  /** Events folded (those at or before `at`). */
  events: number;
  lastEvent: { revision: number; position: number; recordedAt: string; type: string } | null;
  state: unknown;
}

/** The fold for a stream: the registered prefix that matches longest, else LAST_DATA_PER_TYPE. */
export function foldFor(stream: string, registry: AggregateFold[]): AggregateFold {
  let best: AggregateFold | undefined;
  for (const fold of registry) {
    if (stream.startsWith(fold.prefix) && (!best || fold.prefix.length > best.prefix.length)) best = fold;
  }
  return best ?? (LAST_DATA_PER_TYPE as AggregateFold);
}

/** The aggregate as it was at `at`: its events (revision order) up to that point, folded. Pure. */
export function stateAt(stream: string, events: RecordedEvent[], at: AtPoint, registry: AggregateFold[]): StateAt {
  const fold = foldFor(stream, registry);
  let state = fold.initialState();
  let folded = 0;
  let last: RecordedEvent | undefined;
  for (const event of events) {
    // Revision order is position order within a stream: the first event past the point ends it.
    if (!isAtOrBefore(event, at)) break;
    state = fold.evolve(state, { type: event.type, data: event.data });
    folded += 1;
    last = event;
  }
  return {
    stream,
    at,
    aggregate: fold.name,
    events: folded,
    lastEvent: last ? { revision: last.revision, position: last.position, recordedAt: last.recordedAt, type: last.type } : null,
    state,
  };
}

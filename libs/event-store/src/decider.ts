import { setTimeout as sleep } from 'node:timers/promises';
import { type Decider, type DomainEvent } from '@roamledger/kernel';
import type { EventMetadata, EventStore, NewEvent, RecordedEvent } from './event-store.port';
import { WrongExpectedVersion } from './event-store.port';
import { type KnownStream, streamStatesOf } from './stream-states';

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
 * Commands on one stream queue in this process, and those that queued while an append was in
 * flight are decided one after the other and appended together (one transaction for all, each
 * with its cause). A writer in another process makes the append fail on its expected revision:
 * the commands are decided again on the newer events after a jittered backoff, and after a few
 * lost races under the store's log lock where it has one (appendExclusively), so a busy writer
 * elsewhere cannot starve them.
 */
export function handleCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  options: HandleOptions = {},
): Promise<Handled<Event, State>> {
  return new Promise((resolve, reject) => {
    const job: Job = { decider: decider as unknown as AnyDecider, command, options, resolve, reject } as Job;
    const states = streamStatesOf(store);
    if (options.cause) states.noteCause(options.cause.type);
    states.enqueue(stream, job, (jobs) => runJobs(store, stream, jobs as Job[]));
  });
}

// biome-ignore lint/suspicious/noExplicitAny: jobs of one stream share a decider, whatever its types.
type AnyDecider = Decider<any, DomainEvent, any>;

interface Job {
  decider: AnyDecider;
  command: unknown;
  options: HandleOptions;
  resolve(handled: Handled<DomainEvent, unknown>): void;
  reject(error: unknown): void;
}

interface Planned {
  job: Job;
  events: DomainEvent[];
  /** The state after this job's events (and those of the jobs before it). */
  state: unknown;
  error?: unknown;
}

/** Decides the jobs in order, each on the state the ones before it left. */
function plan(jobs: Job[], state: unknown): { planned: Planned[]; toAppend: NewEvent[] } {
  const toAppend: NewEvent[] = [];
  const planned = jobs.map((job): Planned => {
    let events: DomainEvent[];
    try {
      events = job.decider.decide(job.command, state);
    } catch (error) {
      return { job, events: [], state, error };
    }
    const { cause, metadata: given, skipWhenNoEvents } = job.options;
    const metadata: EventMetadata = { ...given };
    if (cause?.id) metadata.causationId ??= cause.id;
    const appended: NewEvent[] =
      events.length === 0 && skipWhenNoEvents
        ? []
        : [...(cause ? [cause] : []), ...events.map((event) => ({ type: event.type, data: event.data, metadata }))];
    for (const event of appended) state = job.decider.evolve(state, event as DomainEvent);
    toAppend.push(...appended);
    return { job, events, state };
  });
  return { planned, toAppend };
}

function settleJobs(planned: Planned[], position: number): void {
  for (const { job, events, state, error } of planned) {
    if (error !== undefined) job.reject(error);
    else job.resolve({ events, state, position });
  }
}

/** Runs the queued jobs of one stream (one decider) as one append; settles every job, never throws. */
async function runJobs(store: EventStore, stream: string, jobs: Job[]): Promise<void> {
  const states = streamStatesOf(store);
  const decider = jobs[0].decider;
  for (let attempt = 1; ; attempt++) {
    let assumed = false;
    try {
      const known = await states.load(stream, decider, false);
      assumed = known.assumed === true;
      if (attempt > OPTIMISTIC_ATTEMPTS && store.appendExclusively) {
        let decided: { planned: Planned[]; toAppend: NewEvent[]; before: KnownStream<unknown> } | undefined;
        const { result } = await store.appendExclusively(stream, known.revision, (newer) => {
          const last = newer[newer.length - 1];
          const before = last
            ? { state: foldOn(decider, known.state, newer), revision: last.revision, position: last.position }
            : known;
          decided = { ...plan(jobs, before.state), before };
          return decided.toAppend;
        });
        if (!decided) throw new Error(`append to ${stream}: nothing was decided`);
        const { planned, toAppend, before } = decided as {
          planned: Planned[];
          toAppend: NewEvent[];
          before: KnownStream<unknown>;
        };
        if (result) states.appended(stream, decider, before, toAppend, result);
        else if (before !== known) states.moved(stream);
        return settleJobs(planned, result ? result.position : before.position);
      }
      const { planned, toAppend } = plan(jobs, known.state);
      if (toAppend.length === 0 && known.assumed) {
        // A refusal or a no-op decided on a stream taken as new proves nothing: read it, decide again.
        states.moved(stream);
        continue;
      }
      if (toAppend.length === 0) return settleJobs(planned, known.position);
      const expectedRevision = known.revision >= 0 ? known.revision : 'no_stream';
      const result = await store.append(stream, toAppend, { expectedRevision });
      states.appended(stream, decider, known, toAppend, result);
      return settleJobs(planned, result.position);
    } catch (error) {
      states.moved(stream);
      if (error instanceof WrongExpectedVersion && attempt < MAX_ATTEMPTS) {
        // A stream taken as new that exists is no race with another writer: read it at once.
        if (!assumed) await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
        continue;
      }
      if (jobs.length > 1) {
        // One command's events may be what the store refused: each alone, so only that one fails.
        for (const job of jobs) await runJobs(store, stream, [job]);
        return;
      }
      for (const job of jobs) job.reject(error);
      return;
    }
  }
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

/**
 * What this process holds of a stream, without a read even where other processes may have appended
 * since: for facts that never change once recorded. Undefined when it holds nothing.
 */
export function heldState<State>(
  store: EventStore,
  stream: string,
  decider: Pick<Decider<never, DomainEvent, State>, 'initialState' | 'evolve' | 'decide'>,
): KnownStream<State> | undefined {
  return streamStatesOf(store).held(stream, decider as unknown as Decider<unknown, DomainEvent, State>);
}

import { createHash } from 'node:crypto';
import { type Decider, type DomainEvent, setMostRecent } from '@roamledger/kernel';
import type { EventStore, RecordedEvent } from './event-store.port';

/** What a process knows of one stream: its state folded up to `revision` (-1: no stream). */
export interface KnownStream<State> {
  state: State;
  revision: number;
  /** Global position of the event at `revision`, or -1. */
  position: number;
  /** Not read: taken as new. Only an append (expecting no stream) confirms it. */
  assumed?: boolean;
}

interface Entry<State> extends KnownStream<State> {
  // biome-ignore lint/suspicious/noExplicitAny: one entry per stream, whatever its decider's types.
  decider: Decider<any, any, State>;
  /** Another writer may have appended: read what follows `revision` before trusting the state. */
  stale: boolean;
  snapshotRevision: number;
}

// biome-ignore lint/suspicious/noExplicitAny: the cache holds every decider's states.
type AnyDecider = Decider<any, DomainEvent, any>;

/** Streams whose state a process keeps; beyond it the least recently used is dropped (and read again if needed). */
export const STREAM_STATE_LIMIT = 10_000;
/** A state dropped from memory is saved as a snapshot when it is this far past its last one (fewer are read faster). */
export const SNAPSHOT_ON_DROP_EVENTS = 20;
/** Commands of one stream decided together and appended in one transaction, at most. */
const JOBS_PER_RUN = 64;
/** A snapshot is saved (off the request path) once a stream has grown this much past its last one. */
export const SNAPSHOT_EVERY_EVENTS = 200;

/**
 * The state of each stream this process writes, with the revision it was folded to, so a command
 * costs the same at the 5,000th event as at the first: the append's expected revision checks the
 * cached state, and only a rejected append reads the events that came after it. A cold stream
 * starts from its latest snapshot (when the store keeps them) and reads only what follows.
 * Commands on one stream queue in the process (enqueue), so its writers don't race here.
 */
export class StreamStates {
  private readonly entries = new Map<string, Entry<unknown>>();
  /** Streams found to exist while nothing of them is known here: read before deciding. */
  private readonly mustRead = new Map<string, true>();
  private readonly queues = new Map<string, Array<{ decider: unknown }>>();
  /** Types of the events that came as a command's cause (the OCPI request): no decider folds them, so reads leave them out. */
  private causeTypes: readonly string[] = [];

  constructor(private readonly store: EventStore) {}

  /**
   * Queues `job` for the stream; while the stream has no run in progress, `run` is called with the
   * jobs queued so far (those of one decider, in order, at most JOBS_PER_RUN) until none is left.
   */
  enqueue<Job extends { decider: unknown }>(stream: string, job: Job, run: (jobs: Job[]) => Promise<void>): void {
    const queue = this.queues.get(stream) as Job[] | undefined;
    if (queue) {
      queue.push(job);
      return;
    }
    const jobs: Job[] = [job];
    this.queues.set(stream, jobs);
    void (async () => {
      while (jobs.length) {
        let count = 1;
        while (count < jobs.length && count < JOBS_PER_RUN && jobs[count].decider === jobs[0].decider) count++;
        await run(jobs.splice(0, count)).catch(() => undefined);
      }
      this.queues.delete(stream);
    })();
  }

  /**
   * The stream's state: from memory when nothing says it moved (`fresh: false`, the write path,
   * where the append's expected revision is the check, or a read on a store that knows it holds
   * the stream's last revision: knowsLatest), otherwise after reading the events that follow what
   * is known.
   */
  async load<State>(stream: string, decider: Decider<unknown, DomainEvent, State>, fresh: boolean): Promise<KnownStream<State>> {
    let entry = this.entries.get(stream) as Entry<State> | undefined;
    if (entry && entry.decider !== decider) entry = undefined;
    if (entry && !entry.stale && (!fresh || this.store.knowsLatest?.(stream, entry.revision))) {
      this.touch(stream, entry);
      return entry;
    }
    if (!entry && !fresh && !this.mustRead.has(stream)) {
      // Unknown here: most such streams are new (a new CDR, session, token), so decide on the
      // initial state and let the append expect no stream. If it exists, the append says so and
      // the next attempt reads it.
      return { state: decider.initialState(), revision: -1, position: -1, assumed: true };
    }
    this.mustRead.delete(stream);
    if (!entry || entry.stale) {
      // Another writer may have appended far past what is known here: a newer snapshot saves reading it all.
      const snapshot = await this.fromSnapshot(stream, decider);
      if (!entry || snapshot.revision > entry.revision) entry = snapshot;
    }
    const newer = await this.store.readStream(stream, {
      ...(entry.revision >= 0 ? { from: entry.revision + 1 } : {}),
      ...(this.causeTypes.length ? { skipTypes: this.causeTypes } : {}),
    });
    const caughtUp = newer.length ? foldOn(entry, newer) : { ...entry, stale: false };
    // A write that finished while this read ran may already know more.
    const current = this.entries.get(stream);
    if (current && current.decider === decider && current.revision > caughtUp.revision) return current as Entry<State>;
    this.touch(stream, caughtUp);
    this.maybeSnapshot(stream, caughtUp);
    return caughtUp;
  }

  /** A command came with a cause of this type (see causeTypes). */
  noteCause(type: string): void {
    if (!this.causeTypes.includes(type)) this.causeTypes = [...this.causeTypes, type];
  }

  /** What this process holds of the stream, however old: undefined when it holds nothing. No read. */
  held<State>(stream: string, decider: Decider<unknown, DomainEvent, State>): KnownStream<State> | undefined {
    const entry = this.entries.get(stream) as Entry<State> | undefined;
    return entry && entry.decider === decider ? entry : undefined;
  }

  /** After an append this process made from `known`: the state with the appended events folded in. */
  appended<State>(
    stream: string,
    decider: Decider<unknown, DomainEvent, State>,
    known: KnownStream<State>,
    events: Array<Pick<RecordedEvent, 'type' | 'data'>>,
    result: { nextExpectedRevision: number; position: number },
  ): State {
    const state = events.reduce((folded, event) => decider.evolve(folded, event as DomainEvent), known.state);
    if (result.nextExpectedRevision !== known.revision + events.length) {
      // An idempotent retry found an earlier append: what stands in the stream is read next time.
      this.entries.delete(stream);
      return state;
    }
    const previous = this.entries.get(stream);
    const entry: Entry<State> = {
      decider,
      state,
      revision: result.nextExpectedRevision,
      position: result.position,
      stale: false,
      snapshotRevision: previous?.decider === decider ? previous.snapshotRevision : -1,
    };
    this.touch(stream, entry);
    this.maybeSnapshot(stream, entry);
    return state;
  }

  /** Another writer got there first (or the outcome is unknown): read the newer events before deciding again. */
  moved(stream: string): void {
    const entry = this.entries.get(stream);
    if (entry) entry.stale = true;
    else this.mustReadNext(stream);
  }

  /**
   * A stream known to exist whose state is not held: the next load reads it rather than taking it
   * as new, which would cost a refused append, a backoff and the read anyway. Bounded like the
   * entries: the oldest name goes first, and a stream forgotten here is merely taken as new again.
   */
  private mustReadNext(stream: string): void {
    setMostRecent(this.mustRead, stream, true, STREAM_STATE_LIMIT);
  }

  private async fromSnapshot<State>(stream: string, decider: Decider<unknown, DomainEvent, State>): Promise<Entry<State>> {
    const empty: Entry<State> = {
      decider,
      state: decider.initialState(),
      revision: -1,
      position: -1,
      stale: true,
      snapshotRevision: -1,
    };
    const snapshots = this.store.snapshots;
    if (!snapshots) return empty;
    try {
      const snapshot = await snapshots.load(stream, snapshotKey(decider as AnyDecider));
      if (!snapshot) return empty;
      return {
        ...empty,
        state: snapshot.state as State,
        revision: snapshot.revision,
        position: snapshot.position,
        snapshotRevision: snapshot.revision,
      };
    } catch {
      // A snapshot only saves reading; without it the stream is read from the start.
      return empty;
    }
  }

  private maybeSnapshot(stream: string, entry: Entry<unknown>, every = SNAPSHOT_EVERY_EVENTS): void {
    const snapshots = this.store.snapshots;
    if (!snapshots || entry.revision - entry.snapshotRevision < every) return;
    entry.snapshotRevision = entry.revision;
    void snapshots
      .save({
        stream,
        key: snapshotKey(entry.decider as AnyDecider),
        revision: entry.revision,
        position: entry.position,
        state: entry.state,
      })
      .catch(() => undefined);
  }

  private touch(stream: string, entry: Entry<unknown>): void {
    const dropped = setMostRecent(this.entries, stream, entry, STREAM_STATE_LIMIT);
    if (dropped) {
      const [oldest, state] = dropped;
      // A stream that exists (an append or a read found it) is read when next needed, from the
      // state dropped now if it had grown much since its last snapshot: a busy session pushed out
      // by a run of new CDRs would otherwise read up to SNAPSHOT_EVERY_EVENTS events to come back.
      if (state.revision >= 0) this.mustReadNext(oldest);
      this.maybeSnapshot(oldest, state, SNAPSHOT_ON_DROP_EVENTS);
    }
  }
}

function foldOn<State>(entry: Entry<State>, events: RecordedEvent[]): Entry<State> {
  const last = events[events.length - 1];
  return {
    ...entry,
    state: events.reduce((state, event) => entry.decider.evolve(state, event as DomainEvent), entry.state),
    revision: last.revision,
    position: last.position,
    stale: false,
  };
}

const keys = new WeakMap<AnyDecider, string>();

/**
 * Which snapshots a decider may start from: a digest of the code that builds its state
 * (initialState and evolve), so a changed evolve never starts from a state an older one folded.
 * Functions evolve calls are not in the digest: after changing only those, clear rl_snapshots.
 */
export function snapshotKey(decider: AnyDecider): string {
  let key = keys.get(decider);
  if (!key) {
    key = createHash('sha256')
      .update(`${String(decider.initialState)}\n${String(decider.evolve)}\n${JSON.stringify(decider.initialState())}`)
      .digest('hex')
      .slice(0, 32);
    keys.set(decider, key);
  }
  return key;
}

const perStore = new WeakMap<EventStore, StreamStates>();

/** The one StreamStates of a store in this process. */
export function streamStatesOf(store: EventStore): StreamStates {
  let states = perStore.get(store);
  if (!states) {
    states = new StreamStates(store);
    perStore.set(store, states);
  }
  return states;
}

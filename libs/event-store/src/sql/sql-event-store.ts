import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setMostRecent } from '@roamledger/kernel';
import type {
  AppendOptions,
  AppendResult,
  CheckpointStore,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Snapshot,
  SnapshotStore,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import { WrongExpectedVersion } from '../event-store.port';
import { eventHash, GENESIS_HASH } from '../hash-chain';
import type { HashInput } from '../hash-pool';
import { pollingSubscription } from '../polling-subscription';
import { MIGRATION_LOCK_KEY, SCHEMA_SQL } from './schema';
import { isoTimestampSql, type SqlClient, type SqlQuery } from './sql-client';

interface EventRow {
  position: number | string;
  id: string;
  stream: string;
  revision: number | string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: string;
  prev_hash: string;
  hash: string;
}

/** An event as stored, its data and metadata as JSON text (see readAllAsText): what its hash covers, and more. */
export interface StoredEventText extends HashInput {
  position: number;
  hash: string;
}

interface AppendRow {
  outcome: 'appended' | 'idempotent' | 'wrong_expected_version' | 'stale_head';
  actual_revision: number | string;
  actual_hash: string | null;
  last_position: number | string | null;
}

interface StreamHead {
  revision: number;
  hash: string;
}

interface QueuedAppend {
  stream: string;
  expected: ExpectedRevision;
  ids: string[];
  /** The rows (chainRows) as JSON: what the log stores, and what the tail takes (takeIntoTail). */
  json: string;
  resolve: (row: AppendRow) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitStats {
  groups: number;
  appends: number;
  /** Time from sending a group to settling its appends, summed. */
  inFlightMs: number;
}

/** What rl_append and rl_append_many answer for each append. */
const APPEND_OUTCOME = 'outcome, actual_revision, actual_hash, last_position';

/** Appends sent in one group commit at most: bounds the statement's size. */
const GROUP_COMMIT_LIMIT = 128;
/** recorded_at as the ISO text the store wrote: what RecordedEvent.recordedAt holds. */
const RECORDED_AT_TEXT = `${isoTimestampSql('recorded_at')} AS recorded_at`;
const EVENT_COLUMNS = `position, id, stream, revision, type, data, metadata, ${RECORDED_AT_TEXT}, prev_hash, hash`;
const HEAD_CACHE_LIMIT = 10_000;
/** Events of the log's tail kept for this process's subscribers, at most (see readTail). */
const TAIL_LIMIT = 2_000;
/** Events read at once when a subscriber at the tail's end asks for more. */
const TAIL_READ = 500;
/** A tail read this recent serves subscribers when no append was seen since. */
const TAIL_FRESH_MS = 50;
const UNIQUE_VIOLATION = '23505';

/** The EventStore port on PostgreSQL or PGlite: the same SQL, the client makes the difference. */
export class SqlEventStore implements EventStore {
  /** Last known revision and hash per stream, so most appends take one round trip. */
  private readonly heads = new Map<string, StreamHead>();
  private appendWaiters: Array<() => void> = [];
  private listening?: Promise<void>;
  /** PostgreSQL group commit: appends that arrive while one is in flight go together as the next. */
  private readonly queued: QueuedAppend[] = [];
  private appending = false;
  private readonly groupCommits: GroupCommitStats = { groups: 0, appends: 0, inFlightMs: 0 };
  /** The end of the log as read for this process's subscribers: consecutive positions up to tailNext. */
  private tail: RecordedEvent[] = [];
  /** Position after the tail's last event; -1: no tail. */
  private tailNext = -1;
  /** Where each subscriber reading from the tail is. */
  private readonly tailReaders = new Map<object, number>();
  private tailRead?: Promise<boolean>;
  /** The log may go on past the tail: an append (here, or NOTIFYed from elsewhere) since it was last read, or that read filled its page. */
  private tailBehind = true;
  private tailReadAt = 0;
  /** watchAppends: the last position appended here per set of stream prefixes. */
  private readonly appendWatches: Array<{ prefixes: readonly string[]; position: number }> = [];

  readonly snapshots: SnapshotStore = {
    load: async (stream, key) => {
      const rows = await this.db.query<{ revision: number | string; position: number | string; state: unknown }>(
        'SELECT revision, position, state FROM rl_snapshots WHERE stream = $1 AND key = $2',
        [stream, key],
      );
      if (!rows.length) return undefined;
      return { stream, key, revision: Number(rows[0].revision), position: Number(rows[0].position), state: rows[0].state };
    },
    save: async (snapshot: Snapshot) => {
      await this.db.query(
        `INSERT INTO rl_snapshots (stream, key, revision, position, state) VALUES ($1, $2, $3, $4, $5::jsonb)
         ON CONFLICT (stream, key) DO UPDATE SET revision = EXCLUDED.revision, position = EXCLUDED.position,
           state = EXCLUDED.state, saved_at = now()
         WHERE rl_snapshots.revision < EXCLUDED.revision`,
        [snapshot.stream, snapshot.key, snapshot.revision, snapshot.position, JSON.stringify(snapshot.state)],
      );
    },
  };

  readonly checkpoints: CheckpointStore = {
    load: async (name) => {
      const rows = await this.db.query<{ position: number | string }>('SELECT position FROM rl_checkpoints WHERE name = $1', [
        name,
      ]);
      return rows.length ? Number(rows[0].position) : undefined;
    },
    save: async (name, position) => {
      await this.db.query(
        `INSERT INTO rl_checkpoints (name, position, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
        [name, position],
      );
    },
  };

  /** PGlite: one process holds the folder (or the memory), so every append passes here. */
  private readonly exclusive: boolean;

  private constructor(
    readonly kind: 'pglite' | 'postgres',
    private readonly db: SqlClient,
    /** Values may go into the statement's text as literals (see textLiteral): PGlite, standard strings on. */
    private readonly literals = false,
  ) {
    this.exclusive = kind === 'pglite';
  }

  watchAppends(prefixes: readonly string[]): () => number {
    const watch = { prefixes: [...prefixes], position: -1 };
    this.appendWatches.push(watch);
    return () => watch.position;
  }

  knowsLatest(stream: string, revision: number): boolean {
    return this.exclusive && this.heads.get(stream)?.revision === revision;
  }

  static async open(kind: 'pglite' | 'postgres', db: SqlClient): Promise<SqlEventStore> {
    await db.exec(`BEGIN; SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY}); ${SCHEMA_SQL} COMMIT;`);
    let literals = false;
    // One process holds a PGlite folder: nobody can LISTEN for its appends (see rl_append).
    if (kind === 'pglite') await db.exec('SET rl.notify = off');
    if (kind === 'pglite' && db.queryText) {
      const [setting] = await db.query<{ on: string }>("SELECT current_setting('standard_conforming_strings') AS on");
      literals = setting?.on === 'on';
    }
    return new SqlEventStore(kind, db, literals);
  }

  async append(stream: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const expected: ExpectedRevision = options.expectedRevision ?? 'any';
    const ids = events.map((event) => event.id ?? randomUUID());
    const recordedAt = new Date().toISOString();
    let head = this.heads.get(stream) ?? (expected === 'no_stream' ? { revision: -1, hash: GENESIS_HASH } : undefined);
    head ??= await this.readHead(stream);

    // Optimistic first: the cached head is usually right and the append is one round trip.
    for (let attempt = 0; attempt < 2; attempt++) {
      const json = chainJson(stream, events, ids, head, recordedAt);
      const result = await this.submit(stream, expected, ids, json);
      if (result.outcome !== 'stale_head') return this.settle(stream, expected, ids, result, json);
      head = { revision: Number(result.actual_revision), hash: result.actual_hash ?? GENESIS_HASH };
    }
    // Busy stream: hold the log lock while reading the stream head, so this attempt cannot lose.
    const { result, json } = await this.db.transaction(async (tx) => {
      await tx.query('SELECT position FROM rl_log_head WHERE id FOR UPDATE');
      const json = chainJson(stream, events, ids, await this.readHead(stream, tx), recordedAt);
      return { result: await this.callAppend(tx, stream, expected, ids, json), json };
    });
    if (result.outcome === 'stale_head') throw new Error(`append to ${stream}: stream head moved under the log lock`);
    return this.settle(stream, expected, ids, result, json);
  }

  async appendExclusively(
    stream: string,
    after: number,
    decide: (newer: RecordedEvent[]) => NewEvent[],
  ): Promise<{ newer: RecordedEvent[]; result?: AppendResult }> {
    const recordedAt = new Date().toISOString();
    const outcome = await this.db.transaction(async (tx) => {
      await tx.query('SELECT position FROM rl_log_head WHERE id FOR UPDATE');
      const rows = await tx.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM rl_events WHERE stream = $1 AND revision > $2 ORDER BY revision`,
        [stream, after],
      );
      const newer = rows.map((row) => toRecorded(row));
      const events = decide(newer);
      if (events.length === 0) return { newer };
      const last = newer[newer.length - 1];
      const head = last ? { revision: last.revision, hash: last.hash } : await this.readHead(stream, tx);
      const ids = events.map((event) => event.id ?? randomUUID());
      const expected: ExpectedRevision = head.revision >= 0 ? head.revision : 'no_stream';
      const json = chainJson(stream, events, ids, head, recordedAt);
      const [row] = await this.callLogFunction<AppendRow>(
        tx,
        `${APPEND_OUTCOME} FROM rl_append`,
        [stream, String(expected)],
        json,
      );
      return { newer, appended: { expected, ids, row, json } };
    });
    if (!outcome.appended) return { newer: outcome.newer };
    const { expected, ids, row, json } = outcome.appended;
    return { newer: outcome.newer, result: await this.settle(stream, expected, ids, row, json) };
  }

  /**
   * One append, in the next group commit: while a group is being written, the appends that arrive
   * wait and go together as one statement (rl_append_many). A statement has a fixed cost that
   * rows do not: a WAL flush on PostgreSQL, ~0.2 ms of WebAssembly on PGlite, where 16 PATCHes in
   * flight cost 0.14 ms each grouped against 0.34 ms each alone.
   */
  private submit(stream: string, expected: ExpectedRevision, ids: string[], json: string): Promise<AppendRow> {
    return new Promise<AppendRow>((resolve, reject) => {
      this.queued.push({ stream, expected, ids, json, resolve, reject });
      this.sendQueued();
    });
  }

  private sendQueued(): void {
    if (this.appending || this.queued.length === 0) return;
    this.appending = true;
    const group = this.queued.splice(0, GROUP_COMMIT_LIMIT);
    const sent = performance.now();
    void this.sendGroup(group).finally(() => {
      this.groupCommits.groups++;
      this.groupCommits.appends += group.length;
      this.groupCommits.inFlightMs += performance.now() - sent;
      this.appending = false;
      this.sendQueued();
    });
  }

  /**
   * Group commits since the store opened: appends / groups is how many share each commit. One is
   * in flight at a time; its time in flight runs until this thread has settled its appends, so it
   * counts the database and any wait for this thread alike.
   */
  groupCommitStats(): GroupCommitStats {
    return { ...this.groupCommits };
  }

  private async sendGroup(group: QueuedAppend[]): Promise<void> {
    if (group.length > 1) {
      try {
        const outcomes = await this.callLogFunction<AppendRow & { idx: number }>(
          this.db,
          `idx, ${APPEND_OUTCOME} FROM rl_append_many`,
          [],
          // Each append's rows are JSON already: spliced in, not serialized again.
          `[${group
            .map(
              (item) =>
                `{"stream":${JSON.stringify(item.stream)},"expected":${JSON.stringify(String(item.expected))},"events":${item.json}}`,
            )
            .join(',')}]`,
        );
        for (const outcome of outcomes) group[outcome.idx - 1].resolve(outcome);
        return;
      } catch {
        // One append of the group failed the whole transaction (a reused event id, say): each alone.
      }
    }
    await Promise.all(
      group.map((item) =>
        this.callAppend(this.db, item.stream, item.expected, item.ids, item.json).then(item.resolve, item.reject),
      ),
    );
  }

  private async callAppend(
    db: SqlQuery,
    stream: string,
    expected: ExpectedRevision,
    ids: string[],
    json: string,
  ): Promise<AppendRow> {
    try {
      const [result] = await this.callLogFunction<AppendRow>(
        db,
        `${APPEND_OUTCOME} FROM rl_append`,
        [stream, String(expected)],
        json,
      );
      return result;
    } catch (error) {
      // A known event id: the same append retried with `any`, or an id reused elsewhere.
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      const retried = await this.findAppend(stream, expected, ids);
      if (!retried) throw error;
      return retried;
    }
  }

  /**
   * `SELECT <what>(texts..., json::jsonb)`, the way the log's append functions are called: on this
   * store's own PGlite connection its values go into the statement's text as literals (see
   * textLiteral), elsewhere (PostgreSQL, a transaction) as parameters.
   */
  private callLogFunction<R>(db: SqlQuery, what: string, texts: string[], json: string): Promise<R[]> {
    // A NUL in a text argument: the parameter path, so the database refuses it as it always did.
    // (JSON text never holds one: JSON.stringify escapes it.)
    if (db === this.db && this.literals && this.db.queryText && !texts.some((text) => text.includes('\u0000'))) {
      return this.db.queryText<R>(`SELECT ${what}(${[...texts, json].map(textLiteral).join(', ')}::jsonb)`);
    }
    const values = [...texts, json];
    return db.query<R>(`SELECT ${what}(${values.map((_, i) => `$${i + 1}`).join(', ')}::jsonb)`, values);
  }

  /** The outcome of an append that already happened with these ids, if it did and the expectation fits. */
  private async findAppend(stream: string, expected: ExpectedRevision, ids: string[]): Promise<AppendRow | undefined> {
    const [found] = await this.db.query<{
      first_revision: number | string;
      last_revision: number | string;
      last_position: number | string;
    }>('SELECT first_revision, last_revision, last_position FROM rl_find_append($1, $2::uuid[])', [stream, ids]);
    if (!found) return undefined;
    const first = Number(found.first_revision);
    const fits =
      expected === 'any' || expected === 'stream_exists' || (expected === 'no_stream' ? first === 0 : expected === first - 1);
    if (!fits) return undefined;
    return { outcome: 'idempotent', actual_revision: found.last_revision, actual_hash: null, last_position: found.last_position };
  }

  /** `json`: the rows the append sent, which an append that goes through hands to the tail. */
  private async settle(
    stream: string,
    expected: ExpectedRevision,
    ids: string[],
    result: AppendRow,
    json: string,
  ): Promise<AppendResult> {
    if (result.outcome === 'wrong_expected_version') {
      result = (await this.findAppend(stream, expected, ids)) ?? result;
    }
    const actualRevision = Number(result.actual_revision);
    switch (result.outcome) {
      case 'appended': {
        const position = Number(result.last_position);
        this.rememberHead(stream, { revision: actualRevision, hash: result.actual_hash as string });
        this.noteAppend(stream, position);
        this.wakeSubscribers(!this.takeIntoTail(stream, json, position - ids.length + 1));
        return { nextExpectedRevision: actualRevision, position };
      }
      case 'idempotent':
        this.noteAppend(stream, Number(result.last_position));
        return { nextExpectedRevision: actualRevision, position: Number(result.last_position) };
      default:
        this.forgetHead(stream, actualRevision, result.actual_hash);
        throw new WrongExpectedVersion(stream, expected, actualRevision);
    }
  }

  private noteAppend(stream: string, position: number): void {
    for (const watch of this.appendWatches) {
      if (position > watch.position && watch.prefixes.some((prefix) => stream.startsWith(prefix))) watch.position = position;
    }
  }

  async readStream<T = unknown>(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent<T>[]> {
    const backwards = options.direction === 'backwards';
    const params: unknown[] = [stream];
    let where = 'stream = $1';
    if (options.from !== undefined) {
      params.push(options.from);
      where += backwards ? ' AND revision <= $2' : ' AND revision >= $2';
    }
    if (options.skipTypes?.length) {
      params.push(options.skipTypes);
      where += ` AND (type <> ALL ($${params.length}::text[]) OR revision = (SELECT max(revision) FROM rl_events WHERE stream = $1))`;
    }
    const limit = options.maxCount !== undefined ? ` LIMIT ${Math.max(0, Math.floor(options.maxCount))}` : '';
    const rows = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM rl_events WHERE ${where} ORDER BY revision ${backwards ? 'DESC' : 'ASC'}${limit}`,
      params,
    );
    const events = rows.map((row) => toRecorded<T>(row));
    const last = events[events.length - 1];
    if (last && !backwards && !limit) {
      // Read to the end: its last event is the head (unless an append here got further meanwhile).
      // On PostgreSQL another process may append after it; the next append then finds the head
      // stale and tries again with the actual one, as after any other writer.
      const known = this.heads.get(stream);
      if (!known || known.revision < last.revision) this.rememberHead(stream, { revision: last.revision, hash: last.hash });
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const params: unknown[] = [options.fromPosition ?? 0];
    let where = 'position >= $1';
    const prefixes = options.filter?.streamPrefixes;
    if (prefixes?.length) {
      params.push(prefixes.map((prefix) => `${escapeLike(prefix)}%`));
      where += ` AND stream LIKE ANY ($${params.length}::text[])`;
    }
    const types = options.filter?.eventTypes;
    if (types?.length) {
      params.push(types);
      where += ` AND type = ANY ($${params.length}::text[])`;
    }
    const limit = options.maxCount !== undefined ? ` LIMIT ${Math.max(0, Math.floor(options.maxCount))}` : '';
    const rows = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM rl_events WHERE ${where} ORDER BY position${limit}`,
      params,
    );
    return rows.map((row) => toRecorded(row));
  }

  /**
   * A page of the log as stored, `data` and `metadata` as their JSON text, unparsed: for checking
   * hashes in bulk (`audit verify` parses and hashes in worker threads, see HashPool).
   */
  async readAllAsText(options: { fromPosition: number; maxCount: number }): Promise<StoredEventText[]> {
    const rows = await this.db.query<Omit<StoredEventText, 'recordedAt'> & { recorded_at: string }>(
      `SELECT position, id, stream, revision, type, data::text AS data, metadata::text AS metadata,
              ${RECORDED_AT_TEXT}, prev_hash AS "prevHash", hash
         FROM rl_events WHERE position >= $1 ORDER BY position LIMIT ${Math.max(0, Math.floor(options.maxCount))}`,
      [options.fromPosition],
    );
    return rows.map((row) => ({
      position: Number(row.position),
      id: row.id,
      stream: row.stream,
      revision: Number(row.revision),
      type: row.type,
      data: row.data,
      metadata: row.metadata,
      recordedAt: row.recorded_at,
      prevHash: row.prevHash,
      hash: row.hash,
    }));
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.listenForOtherWriters();
    const reader = {};
    const subscription = pollingSubscription(
      {
        readAll: (readOptions) => this.readTail(readOptions, reader),
        checkpoints: this.checkpoints,
        waitForAppend: (timeoutMs) => this.waitForAppend(timeoutMs),
        headPosition: () => this.headPosition(),
      },
      options,
    );
    return {
      [Symbol.asyncIterator]: () => subscription[Symbol.asyncIterator](),
      checkpoint: (position) => subscription.checkpoint(position),
      close: async () => {
        this.tailReaders.delete(reader);
        await subscription.close();
      },
    };
  }

  /**
   * A subscriber's read: every subscriber of the process (projections, sealer, partner directory,
   * pushers) reads the same new events, so those at the log's end share one read and one decoding
   * of each event instead of one each. The tail holds the events read from the log (a gap-free
   * prefix of it when read, positions consecutive) that a subscriber at the end still has to
   * take; a subscriber behind it reads the log itself.
   */
  private async readTail(options: ReadAllOptions, reader: object): Promise<RecordedEvent[]> {
    if (options.filter?.streamPrefixes?.length || options.filter?.eventTypes?.length) return this.readAll(options);
    const from = options.fromPosition ?? 0;
    const max = options.maxCount ?? TAIL_READ;
    if (this.tailNext < 0 || from > this.tailNext) {
      // Ahead of the tail (or none yet): the tail starts again here.
      this.tail = [];
      this.tailNext = from;
      this.tailBehind = true;
    }
    // Without an append since the last read, reading again finds nothing. On PostgreSQL another
    // process's appends without NOTIFY are picked up after TAIL_FRESH_MS, as a subscriber's poll
    // would; PGlite has no other writer (the data folder is locked), so an idle hub reads nothing.
    let short = this.tailNext - from < max;
    const mayHaveMoved = this.tailBehind || (!this.exclusive && performance.now() - this.tailReadAt >= TAIL_FRESH_MS);
    if (short && (this.tailRead || mayHaveMoved)) {
      // Until the page is full or the log's end is reached: a short page tells a subscriber it is
      // at the end, and it waits for the next append (a catch-up alone at the tail did so every
      // TAIL_READ events, up to 200 ms each time).
      for (let more = true; more && short; short = this.tailNext - from < max) {
        more = await this.extendTail(from + max - this.tailNext);
      }
    }
    const start = from - (this.tailNext - this.tail.length);
    if (this.tailNext < 0 || start < 0 || from > this.tailNext) return this.readAll(options);
    const events = this.tail.slice(start, start + max);
    this.tailReaders.set(reader, from + events.length);
    this.trimTail();
    return events;
  }

  /**
   * Reads what follows the tail (at least `wanted` events, up to the log's end), once for every
   * subscriber waiting at its end. True when the read was full: more may follow.
   */
  private extendTail(wanted: number): Promise<boolean> {
    if (this.tailRead) return this.tailRead;
    let reachedEnd = false;
    this.tailRead = (async () => {
      // Cleared before the read, so an append while it runs still counts.
      this.tailBehind = false;
      this.tailReadAt = performance.now();
      const next = this.tailNext;
      const count = Math.min(TAIL_LIMIT, Math.max(TAIL_READ, wanted));
      const events = await this.readAll({ fromPosition: next, maxCount: count });
      if (this.tailNext !== next) return false;
      if (!events.every((event, index) => event.position === next + index)) {
        // Not the log's usual shape (rows removed under the port): no shortcut over it.
        this.tail = [];
        this.tailNext = -1;
        return false;
      }
      // Every subscriber of the process gets these very objects: none may change another's view.
      for (const event of events) freezeEvent(event);
      this.tail = this.tail.concat(events);
      this.tailNext = next + events.length;
      if (this.tail.length > TAIL_LIMIT) this.tail = this.tail.slice(this.tail.length - TAIL_LIMIT);
      reachedEnd = events.length < count;
      return !reachedEnd;
    })().finally(() => {
      // A full page, a failed or superseded read: the log may go on past the tail.
      if (!reachedEnd) this.tailBehind = true;
      this.tailRead = undefined;
    });
    return this.tailRead;
  }

  /**
   * This process's own append, handed to its subscribers from the rows it sent instead of read
   * back (on PGlite a read of the tail cost its thread some 0.1 ms an event). Only when the append
   * follows the tail's last event directly: appends commit in position order (schema.ts), so
   * every position below it is in the tail and the tail stays a gap-free prefix; otherwise (another
   * process appended between, or a tail read is on its way) the tail is read as before. The rows
   * are parsed from the JSON the log stored, so subscribers get the values a read would give. True
   * when the tail took them.
   */
  private takeIntoTail(stream: string, json: string, first: number): boolean {
    if (first !== this.tailNext || this.tailRead) return false;
    const rows = JSON.parse(json) as StoredRow[];
    // An id the database would write in another form (upper case, braces): a read gives its own.
    if (!rows.every((row) => STORED_UUID.test(row.id))) return false;
    for (const [index, row] of rows.entries())
      this.tail.push(freezeEvent(toRecorded({ ...row, stream, position: first + index })));
    this.tailNext = first + rows.length;
    if (this.tail.length > TAIL_LIMIT) this.tail.splice(0, this.tail.length - TAIL_LIMIT);
    return true;
  }

  /** Drops the events every subscriber in the tail has taken. */
  private trimTail(): void {
    const start = this.tailNext - this.tail.length;
    let needed = this.tailNext;
    for (const position of this.tailReaders.values()) if (position >= start && position < needed) needed = position;
    if (needed > start) this.tail = this.tail.slice(needed - start);
  }

  async headPosition(): Promise<number> {
    const rows = await this.db.query<{ position: number | string }>('SELECT position FROM rl_log_head WHERE id');
    return Number(rows[0].position);
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1 FROM rl_log_head WHERE id');
  }

  /** Closes its client, which closes once however often it is asked (a shutdown run twice). */
  async close(): Promise<void> {
    this.tail = [];
    this.tailNext = -1;
    this.wakeSubscribers();
    await this.db.close();
  }

  /** Raw access for tools that must look under the port (auditors' tamper tests, benchmarks). */
  get sql(): SqlClient {
    return this.db;
  }

  private async readHead(stream: string, db: SqlQuery = this.db): Promise<StreamHead> {
    const rows = await db.query<{ revision: number | string; hash: string }>(
      'SELECT revision, hash FROM rl_events WHERE stream = $1 ORDER BY revision DESC LIMIT 1',
      [stream],
    );
    return rows.length ? { revision: Number(rows[0].revision), hash: rows[0].hash } : { revision: -1, hash: GENESIS_HASH };
  }

  /** Least recently written first out: a busy stream keeps its head however many new ones (CDRs) pass. */
  private rememberHead(stream: string, head: StreamHead): void {
    setMostRecent(this.heads, stream, head, HEAD_CACHE_LIMIT);
  }

  private forgetHead(stream: string, revision: number, hash: string | null): void {
    if (revision >= 0 && hash) this.rememberHead(stream, { revision, hash });
    else this.heads.delete(stream);
  }

  /** Appends by other processes wake this process's subscribers through NOTIFY, where the client can listen. */
  private listenForOtherWriters(): void {
    if (this.listening || !this.db.listen) return;
    this.listening = this.db
      // The payload is the append's last position: one the tail holds already (this process's own
      // append, taken into it) moves nothing a subscriber has not got.
      .listen('rl_appended', (payload) => this.wakeSubscribers(!(payload !== undefined && Number(payload) < this.tailNext)))
      .catch(() => {
        // Without it subscribers still see every event, at their next poll.
        this.listening = undefined;
      });
  }

  private waitForAppend(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiter = () => done();
      this.appendWaiters.push(waiter);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /** `behind`: the log may now go on past the tail (false when an append went into it). */
  private wakeSubscribers(behind = true): void {
    if (behind) this.tailBehind = true;
    const waiters = this.appendWaiters;
    this.appendWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** A text value (no NUL: JSON text has none) as an SQL literal; only with standard_conforming_strings on, where a backslash is plain text. */
function textLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The log's UUID text: what the database gives back for an id. */
const STORED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A row of rl_append's JSON argument, as chainRows makes it. */
type StoredRow = ReturnType<typeof chainRows>[number];

/** The rows of an append as rl_append takes them (a JSON array). */
function chainJson(stream: string, events: NewEvent[], ids: string[], head: StreamHead, recordedAt: string): string {
  return JSON.stringify(chainRows(stream, events, ids, head, recordedAt));
}

function chainRows(stream: string, events: NewEvent[], ids: string[], head: StreamHead, recordedAt: string) {
  let prevHash = head.hash;
  return events.map((event, index) => {
    const content = {
      id: ids[index],
      stream,
      revision: head.revision + 1 + index,
      type: event.type,
      data: event.data,
      metadata: event.metadata ?? {},
      recordedAt,
    };
    const hash = eventHash(prevHash, content);
    const row = {
      id: content.id,
      revision: content.revision,
      type: content.type,
      data: content.data,
      metadata: content.metadata,
      recorded_at: recordedAt,
      prev_hash: prevHash,
      hash,
    };
    prevHash = hash;
    return row;
  });
}

function toRecorded<T>(row: EventRow): RecordedEvent<T> {
  return {
    id: row.id,
    type: row.type,
    data: row.data as T,
    metadata: row.metadata,
    stream: row.stream,
    revision: Number(row.revision),
    position: Number(row.position),
    recordedAt: row.recorded_at,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * The event, its data and metadata frozen all the way down (the tail hands one object to every
 * subscriber): a subscriber that tries to change it throws, in strict mode, instead of changing
 * what the others read. A projection that needs a changed copy makes one.
 */
export function freezeEvent(event: RecordedEvent): RecordedEvent {
  if (typeof event.data === 'object' && event.data !== null) deepFreeze(event.data);
  if (typeof event.metadata === 'object' && event.metadata !== null) deepFreeze(event.metadata);
  return Object.freeze(event);
}

function deepFreeze(value: object): void {
  if (Object.isFrozen(value)) return;
  Object.freeze(value);
  // Every event of a catch-up passes here: no array of values per object, no call per leaf.
  if (Array.isArray(value)) {
    for (const child of value) if (typeof child === 'object' && child !== null) deepFreeze(child);
    return;
  }
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null) deepFreeze(child);
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

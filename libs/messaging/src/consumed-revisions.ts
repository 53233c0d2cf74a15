import type { RecordedEvent, SqlClient } from '@roamledger/event-store';

type SqlQuery = Pick<SqlClient, 'query'>;
type EventIdentity = Pick<RecordedEvent, 'id' | 'stream' | 'revision'>;

/** A stream's events arrived with one missing: they were reordered, or the topic lost some. */
export class RevisionGap extends Error {
  constructor(
    readonly stream: string,
    readonly expected: number,
    readonly received: number,
  ) {
    super(`stream ${stream}: expected revision ${expected}, received ${received}`);
    this.name = 'RevisionGap';
  }
}

export interface SeenOptions {
  /**
   * Streams must begin at revision 0 (default true). Off for a consumer that joins a topic whose
   * oldest events Kafka has already deleted.
   */
  fromStart?: boolean;
}

/**
 * Deduplication for consumers of the event topics, by stream revision. The forwarder sends each
 * event once, but a log republished from an older checkpoint (Kafka's record of its progress gone)
 * repeats events, and one stream's events keep their order (one key, one partition), so an event is new exactly
 * when its revision is the next of its stream; at or below the last one it is a copy; above the
 * next one, something is missing. One number per stream, where a set of event ids would grow
 * forever; within a stream a revision names one event id.
 */
export class SeenRevisions {
  private readonly last = new Map<string, number>();

  constructor(private readonly options: SeenOptions = {}) {}

  /** Keeps the events not seen before, in order, and remembers them. */
  claim<E extends EventIdentity>(events: readonly E[]): E[] {
    return claimFresh(events, (stream) => this.last.get(stream), this.last, this.options);
  }

  lastRevision(stream: string): number | undefined {
    return this.last.get(stream);
  }
}

/**
 * SeenRevisions kept in the consumer's own database (PostgreSQL or PGlite), in the transaction
 * that applies the events: the effect and the record of it commit together, so a redelivery
 * after a crash finds the events claimed and skips them. Exactly-once effect over at-least-once
 * delivery.
 *
 * ```ts
 * await db.transaction(async (tx) => {
 *   for (const event of await consumed.claim(tx, events)) await apply(tx, event);
 * });
 * ```
 */
export class ConsumedRevisions {
  constructor(
    /** Names the consumer: each keeps its own revisions. */
    readonly consumer: string,
    private readonly options: SeenOptions = {},
  ) {}

  static async createTable(db: SqlQuery): Promise<void> {
    await db.query(`CREATE TABLE IF NOT EXISTS rl_consumed_revisions (
      consumer text NOT NULL,
      stream text NOT NULL,
      revision bigint NOT NULL,
      event_id text NOT NULL,
      PRIMARY KEY (consumer, stream)
    )`);
  }

  /** Call inside the transaction that applies the events it returns. */
  async claim<E extends EventIdentity>(tx: SqlQuery, events: readonly E[]): Promise<E[]> {
    if (events.length === 0) return [];
    const streams = [...new Set(events.map((event) => event.stream))];
    const rows = await tx.query<{ stream: string; revision: number | string }>(
      `SELECT stream, revision FROM rl_consumed_revisions
        WHERE consumer = $1 AND stream IN (SELECT jsonb_array_elements_text($2::jsonb)) FOR UPDATE`,
      [this.consumer, JSON.stringify(streams)],
    );
    const known = new Map(rows.map((row) => [row.stream, Number(row.revision)]));
    const updates = new Map<string, number>();
    const fresh = claimFresh(events, (stream) => updates.get(stream) ?? known.get(stream), updates, this.options);
    if (updates.size === 0) return fresh;
    const lastOf = new Map(fresh.map((event) => [event.stream, event.id]));
    await tx.query(
      `INSERT INTO rl_consumed_revisions (consumer, stream, revision, event_id)
       SELECT $1, x.stream, x.revision, x.event_id FROM jsonb_to_recordset($2::jsonb) AS x(stream text, revision bigint, event_id text)
       ON CONFLICT (consumer, stream) DO UPDATE SET revision = EXCLUDED.revision, event_id = EXCLUDED.event_id
        WHERE rl_consumed_revisions.revision < EXCLUDED.revision`,
      [
        this.consumer,
        JSON.stringify([...updates].map(([stream, revision]) => ({ stream, revision, event_id: lastOf.get(stream) }))),
      ],
    );
    return fresh;
  }
}

function claimFresh<E extends EventIdentity>(
  events: readonly E[],
  lastOf: (stream: string) => number | undefined,
  record: Map<string, number>,
  options: SeenOptions,
): E[] {
  const fresh: E[] = [];
  for (const event of events) {
    const last = lastOf(event.stream);
    if (last !== undefined && event.revision <= last) continue;
    const expected = last === undefined ? 0 : last + 1;
    if (event.revision !== expected && (last !== undefined || (options.fromStart ?? true))) {
      throw new RevisionGap(event.stream, expected, event.revision);
    }
    record.set(event.stream, event.revision);
    fresh.push(event);
  }
  return fresh;
}

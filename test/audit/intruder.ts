// What an intruder with write access to the database can do, with raw SQL on rl_events, and a
// way for the tests to undo it (a pristine copy of the table).
import { buildSeal, SEAL_STREAM, type SealData, type SealHead } from '@roamledger/audit';
import { type EventStore, eventHash, type RecordedEvent, type SqlClient, SqlEventStore } from '@roamledger/event-store';

export function sqlOf(store: EventStore): SqlClient {
  if (!(store instanceof SqlEventStore)) throw new Error('the intruder needs a SQL store');
  return store.sql;
}

export async function keepPristineCopy(store: EventStore): Promise<void> {
  await sqlOf(store).exec('DROP TABLE IF EXISTS rl_events_pristine; CREATE TABLE rl_events_pristine AS SELECT * FROM rl_events');
}

export async function restorePristineCopy(store: EventStore): Promise<void> {
  await sqlOf(store).exec(`
    DELETE FROM rl_events;
    INSERT INTO rl_events SELECT * FROM rl_events_pristine;
    UPDATE rl_log_head SET position = (SELECT coalesce(max(position), -1) FROM rl_events);`);
}

/** Rewrites one member of an event's data in place, leaving its hashes as they were. */
export async function editData(store: EventStore, position: number): Promise<void> {
  await sqlOf(store).query(`UPDATE rl_events SET data = jsonb_set(data, '{kwh}', '999999') WHERE position = $1`, [position]);
}

export async function deleteEvent(store: EventStore, position: number): Promise<void> {
  await sqlOf(store).query('DELETE FROM rl_events WHERE position = $1', [position]);
}

/** Exchanges the positions of two events. */
export async function swapEvents(store: EventStore, a: number, b: number): Promise<void> {
  const sql = sqlOf(store);
  await sql.transaction(async (tx) => {
    await tx.query('UPDATE rl_events SET position = -1 WHERE position = $1', [a]);
    await tx.query('UPDATE rl_events SET position = $1 WHERE position = $2', [a, b]);
    await tx.query('UPDATE rl_events SET position = $1 WHERE position = -1', [b]);
  });
}

/** Deletes every event after `position` and winds the log head back, as if they had never been. */
export async function cutTail(store: EventStore, position: number): Promise<void> {
  await sqlOf(store).exec(
    `DELETE FROM rl_events WHERE position > ${Number(position)}; UPDATE rl_log_head SET position = ${Number(position)};`,
  );
}

/** Overwrites a seal's root. */
export async function forgeSealRoot(store: EventStore, sequence: number, root: string): Promise<void> {
  await sqlOf(store).query(
    `UPDATE rl_events SET data = jsonb_set(data, '{root}', to_jsonb($2::text)) WHERE stream = $3 AND revision = $1`,
    [sequence, root, SEAL_STREAM],
  );
}

async function rewrite(sql: SqlClient, event: RecordedEvent): Promise<void> {
  await sql.query('UPDATE rl_events SET data = $2::jsonb, prev_hash = $3, hash = $4 WHERE position = $1', [
    event.position,
    JSON.stringify(event.data),
    event.prevHash,
    event.hash,
  ]);
}

/**
 * The careful intruder, who knows the (public) algorithms: edits one event, re-hashes the rest
 * of its stream, then rebuilds every seal from the first one covering it. Nothing inside the
 * system can tell; only a digest kept outside can.
 */
export async function rewriteConsistently(store: EventStore, position: number): Promise<void> {
  const sql = sqlOf(store);
  const [target] = await store.readAll({ fromPosition: position, maxCount: 1 });
  const stream = await store.readStream(target.stream);
  let prevHash = stream[target.revision].prevHash;
  for (const event of stream.slice(target.revision)) {
    const data = event.position === position ? { ...(event.data as object), kwh: 0 } : event.data;
    const rewritten = { ...event, data, prevHash, hash: eventHash(prevHash, { ...event, data }) };
    await rewrite(sql, rewritten);
    prevHash = rewritten.hash;
  }
  const seals = await store.readStream<SealData>(SEAL_STREAM);
  let head: SealHead | undefined;
  for (const seal of seals) {
    if (seal.data.toPosition >= position) {
      const leaves = (
        await store.readAll({ fromPosition: seal.data.fromPosition, maxCount: seal.data.toPosition - seal.data.fromPosition + 1 })
      )
        .filter((event) => event.stream !== SEAL_STREAM && event.position <= seal.data.toPosition)
        .map((event) => ({ position: event.position, hash: event.hash }));
      const data = buildSeal(head, leaves);
      const sealPrev = head?.hash ?? seal.prevHash;
      const forged = { ...seal, data, prevHash: sealPrev, hash: eventHash(sealPrev, { ...seal, data }) };
      await rewrite(sql, forged);
      head = {
        sequence: data.sequence,
        revision: seal.revision,
        hash: forged.hash,
        toPosition: data.toPosition,
        position: seal.position,
      };
    } else {
      head = {
        sequence: seal.data.sequence,
        revision: seal.revision,
        hash: seal.hash,
        toPosition: seal.data.toPosition,
        position: seal.position,
      };
    }
  }
}

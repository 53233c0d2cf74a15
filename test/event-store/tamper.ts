import { type EventStore, SqlEventStore } from '@roamledger/event-store';

/** What an intruder with database access could do: rewrite one event's data in place. */
export async function tamperWithSqlEvent(store: EventStore, stream: string, revision: number): Promise<void> {
  if (!(store instanceof SqlEventStore)) throw new Error('not a SQL store');
  await store.sql.query(`UPDATE rl_events SET data = jsonb_set(data, '{tampered}', 'true') WHERE stream = $1 AND revision = $2`, [
    stream,
    revision,
  ]);
}

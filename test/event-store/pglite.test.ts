import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { GENESIS_HASH, openPgliteClient, SCHEMA_SQL, SqlEventStore } from '@roamledger/event-store';
import { eventStoreContract } from './contract';
import { tamperWithSqlEvent } from './tamper';

eventStoreContract('PGlite (in memory)', {
  open: async () => SqlEventStore.open('pglite', await openPgliteClient(undefined)),
  tamper: tamperWithSqlEvent,
  skipsTypes: true,
  concurrentWriters: 4,
});

test('PGlite: appends announce nothing (no other process can listen), PostgreSQL-style NOTIFY stays the default', async () => {
  // The function's behaviour on a raw PGlite that can LISTEN, with and without the store's setting.
  const db = await PGlite.create();
  try {
    await db.exec(SCHEMA_SQL);
    const announced: string[] = [];
    await db.listen('rl_appended', (payload) => announced.push(payload));
    const event = (revision: number, prev: string, hash: string) =>
      JSON.stringify([
        {
          id: randomUUID(),
          revision,
          type: 'T',
          data: {},
          metadata: {},
          recorded_at: new Date().toISOString(),
          prev_hash: prev,
          hash,
        },
      ]);
    await db.query('SELECT outcome FROM rl_append($1, $2, $3::jsonb)', [
      's-1',
      'no_stream',
      event(0, GENESIS_HASH, 'a'.repeat(64)),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(announced, ['0']);
    await db.exec('SET rl.notify = off');
    const [row] = (
      await db.query<{ outcome: string }>('SELECT outcome FROM rl_append($1, $2, $3::jsonb)', [
        's-1',
        '0',
        event(1, 'a'.repeat(64), 'b'.repeat(64)),
      ])
    ).rows;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(row.outcome, 'appended');
    assert.deepEqual(announced, ['0']);
  } finally {
    await db.close();
  }
  const store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
  try {
    const [setting] = await store.sql.query<{ notify: string }>("SELECT current_setting('rl.notify', true) AS notify");
    assert.equal(setting.notify, 'off');
  } finally {
    await store.close();
  }
});

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openPostgresClient, type SqlClient, SqlEventStore } from '@roamledger/event-store';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';
import { eventStoreContract } from './contract';
import { tamperWithSqlEvent } from './tamper';

const schema = freshSchemaName();
after(() => dropSchema(schema));

const openClient = () => openPostgresClient({ connectionString: TEST_DATABASE_URL, schema });

eventStoreContract('PostgreSQL', {
  open: async () => SqlEventStore.open('postgres', await openClient()),
  tamper: tamperWithSqlEvent,
  skipsTypes: true,
  concurrentWriters: 16,
});

/** A client whose appends stay uncommitted for `delayMs` after taking their position. */
function committingLate(client: SqlClient, delayMs: number): SqlClient {
  return {
    ...client,
    query: (sql, params) =>
      sql.includes('rl_append')
        ? client.transaction(async (tx) => {
            const rows = await tx.query(sql, params);
            await sleep(delayMs);
            return rows;
          })
        : client.query(sql, params),
  } as SqlClient;
}

test('PostgreSQL: an append that commits late is never skipped by a reader that saw a later one', async () => {
  const store = await SqlEventStore.open('postgres', await openClient());
  const lateClient = await openClient();
  const slowStore = await SqlEventStore.open('postgres', committingLate(lateClient, 400));
  try {
    const start = (await store.headPosition()) + 1;
    const subscription = store.subscribeToAll({ fromPosition: start, filter: { streamPrefixes: ['gap-'] } });
    const iterator = subscription[Symbol.asyncIterator]();

    const late = slowStore.append('gap-late', [{ type: 'Late', data: {} }]);
    await sleep(100); // the late append now holds its position, uncommitted
    let fastDone = false;
    const fast = store.append('gap-fast', [{ type: 'Fast', data: {} }]).then((r) => {
      fastDone = true;
      return r;
    });
    await sleep(150);
    assert.equal(fastDone, false, 'a later append committed before an earlier position was visible');
    assert.deepEqual(await store.readAll({ fromPosition: start }), []);

    const [lateResult, fastResult] = await Promise.all([late, fast]);
    assert.ok(lateResult.position < fastResult.position);
    const first = await iterator.next();
    const second = await iterator.next();
    assert.deepEqual([first.value?.type, second.value?.type], ['Late', 'Fast']);
    await subscription.close();
  } finally {
    await slowStore.close();
    await store.close();
  }
});

test('PostgreSQL: an append in another process is announced by NOTIFY at commit', { timeout: 10_000 }, async () => {
  const listening = await openClient();
  const writer = await SqlEventStore.open('postgres', await openClient());
  try {
    let announced: () => void = () => undefined;
    const notified = new Promise<void>((resolve) => {
      announced = resolve;
    });
    await listening.listen?.('rl_appended', () => announced());
    await writer.append('notify-1', [{ type: 'Announced', data: {} }]);
    await notified;
  } finally {
    await writer.close();
    await listening.close();
  }
});

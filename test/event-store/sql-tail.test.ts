import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type NewEvent,
  openPgliteClient,
  openPostgresClient,
  type RecordedEvent,
  type SqlClient,
  SqlEventStore,
} from '@roamledger/event-store';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';
import { plain, take } from './contract';

/**
 * The SQL stores hand a process's own appends to its subscribers from what they sent, without
 * reading them back, whenever that keeps the tail a gap-free prefix of the log.
 */

const schema = freshSchemaName();
after(() => dropSchema(schema));

const event = (n: number): NewEvent => ({
  type: 'Counted',
  data: { n, nested: { list: [n, null] } },
  metadata: { requestId: `r-${n}` },
});

/** `client`, counting the subscribers' reads of the log (a page of $all from a position). */
function countingLogReads(client: SqlClient): { client: SqlClient; reads: () => number } {
  let reads = 0;
  const counted: SqlClient = {
    ...client,
    query: (sql, params) => {
      if (/FROM rl_events WHERE position >=/.test(sql)) reads++;
      return client.query(sql, params);
    },
  };
  return { client: counted, reads: () => reads };
}

test("PGlite: a subscriber at the log's end gets the process's appends without a read of the log", async () => {
  const { client, reads } = countingLogReads(await openPgliteClient(undefined));
  const store = await SqlEventStore.open('pglite', client);
  try {
    const from = (await store.headPosition()) + 1;
    const subscription = store.subscribeToAll({ fromPosition: from });
    const iterator = subscription[Symbol.asyncIterator]();
    const first = iterator.next();
    // The subscriber's first read finds the end of the log, and it waits there.
    await sleep(100);
    const before = reads();
    const seen: RecordedEvent[] = [];
    await store.append(`tail-${randomUUID()}`, [event(0)]);
    seen.push((await first).value as RecordedEvent);
    for (let n = 1; n < 20; n++) {
      await store.append(`tail-${randomUUID()}`, [event(n), event(n + 100)]);
      seen.push(...(await take(iterator, 2)));
    }
    await subscription.close();
    assert.equal(reads() - before, 0, 'no read of the log while it followed the appends');
    const logged = await store.readAll({ fromPosition: from });
    assert.equal(seen.length, 39);
    assert.deepStrictEqual(seen.map(plain), logged.map(plain));
  } finally {
    await store.close();
  }
});

test('PostgreSQL: with another process appending between its own appends, a subscriber still gets every event once, in order', async () => {
  const open = async () =>
    SqlEventStore.open('postgres', await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema }));
  const [here, elsewhere] = [await open(), await open()];
  try {
    const from = (await here.headPosition()) + 1;
    const subscription = here.subscribeToAll({ fromPosition: from });
    const iterator = subscription[Symbol.asyncIterator]();
    const taking = take(iterator, 60);
    const tag = randomUUID().slice(0, 8);
    for (let n = 0; n < 30; n++) {
      // Runs of one, two and three from each side, some at once.
      const mine = () => here.append(`tail-here-${tag}-${n % 3}`, [event(n)]);
      const theirs = () => elsewhere.append(`tail-there-${tag}-${n % 4}`, [event(n + 1000)]);
      if (n % 3 === 0) await Promise.all([mine(), theirs()]);
      else if (n % 3 === 1) await mine().then(theirs);
      else await theirs().then(mine);
    }
    const seen = await taking;
    await subscription.close();
    const logged = await here.readAll({ fromPosition: from });
    assert.equal(logged.length, 60);
    assert.deepEqual(
      seen.map((e) => e.position),
      logged.map((e) => e.position),
    );
    assert.deepStrictEqual(seen.map(plain), logged.map(plain));
  } finally {
    await here.close();
    await elsewhere.close();
  }
});

// Issue 15, item 2: memory grew ~1.3 KB per appended event while the sealer ran: each turn of its
// wait loop raced the next event against a `stop` promise that never settles, and every race left
// a reaction on it holding the event it resolved with. Big events make a leak plain in the heap.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LogSealer } from '@roamledger/audit';
import { type EventStore, openPostgresClient, SqlEventStore } from '@roamledger/event-store';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const schema = freshSchemaName('rl_sealmem');
let store: EventStore | undefined;
after(async () => {
  await store?.close();
  await dropSchema(schema);
});

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('the sealer keeps no event it has sealed: heap flat over 2,000 events of 20 KB', async () => {
  store = await SqlEventStore.open('postgres', await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema }));
  const sealer = new LogSealer(store, { everyEvents: 100, everySeconds: 0 });
  const running = sealer.run();
  const note = 'x'.repeat(20_000);
  const append = async (from: number, count: number) => {
    for (let i = from; i < from + count; i++) {
      await store?.append(`session-NL-CPO-${i % 13}`, [{ type: 'SessionUpdated', data: { i, note } }]);
    }
  };
  await append(0, 200);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = heapAfterGc();
  await append(200, 2_000);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const grown = heapAfterGc() - before;
  await sealer.stop();
  await running;
  // 2,000 events of 20 KB kept would be 40 MB and more.
  assert.ok(grown < 10_000_000, `heap grew by ${(grown / 1e6).toFixed(1)} MB over 2,000 events`);
});

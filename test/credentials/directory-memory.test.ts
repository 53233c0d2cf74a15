import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CREDENTIALS_TOKEN_STREAM_PREFIX, PartnerDirectory, TokenVault } from '@roamledger/credentials';
import { openPgliteClient, type SqlClient, SqlEventStore } from '@roamledger/event-store';

// A hub's request asks the directory to be caught up (a report of a party behind it may have just
// been appended by another module). That answer comes from memory: no query while nothing the
// directory folds was appended, and this process's own append is folded before the next answer.

let client: SqlClient;
let store: SqlEventStore;
let directory: PartnerDirectory;
let queries = 0;

before(async () => {
  const db = await openPgliteClient(undefined);
  // Counts what reaches the database; every query still runs.
  client = {
    ...db,
    query: (sql, params) => {
      queries += 1;
      return db.query(sql, params);
    },
  };
  store = await SqlEventStore.open('pglite', client);
  directory = new PartnerDirectory(store, new TokenVault('test'));
  await directory.ready();
});
after(async () => {
  await directory?.close();
  await store?.close();
});

test('caught up from memory while only other streams were appended', async () => {
  await store.append('session-DE-ABC-S1', [{ type: 'SessionStarted', data: {} }]);
  await store.append('location-DE-ABC-L1', [{ type: 'LocationPut', data: {} }]);
  const before = queries;
  for (let i = 0; i < 50; i++) await directory.caughtUp();
  assert.equal(queries, before, 'no query for 50 hub requests');
});

test("this process's append to a stream the directory folds holds from the next answer", async () => {
  // Without waiting for the subscription, which reads at most every 50 ms.
  await store.append(`${CREDENTIALS_TOKEN_STREAM_PREFIX}abc`, [
    { type: 'CredentialsTokenIssued', data: { partner_id: 'hub-1', kind: 'C', issued_at: '2026-12-01T00:00:00Z' } },
  ]);
  await directory.caughtUp();
  assert.equal(directory.tokenOwner('abc'), 'hub-1');
  const read = queries;
  for (let i = 0; i < 10; i++) await directory.caughtUp();
  assert.equal(queries, read, 'and then it answers from memory again');
});

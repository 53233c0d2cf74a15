import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type EventStore, openPgliteClient, SqlEventStore } from '@roamledger/event-store';
import type { Session } from '@roamledger/ocpi';
import { PutSession, PutSessionHandler, SessionFactsFromLog, SessionStreams } from '@roamledger/sessions';
import { startingSession } from '../support/ocpi-fixtures';

/**
 * One process on a store another process may append to (as PostgreSQL is): it cannot know a
 * stream's last revision without asking, so every current read asks. It counts the stream reads.
 */
function processOn(store: EventStore, reads: string[]): EventStore {
  return {
    kind: store.kind,
    checkpoints: store.checkpoints,
    snapshots: store.snapshots,
    append: (stream, events, options) => store.append(stream, events, options),
    readStream: (stream, options) => {
      reads.push(stream);
      return store.readStream(stream, options);
    },
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    headPosition: () => store.headPosition(),
    ping: () => store.ping(),
    close: async () => undefined,
  };
}

const party = { countryCode: 'NL', partyId: 'STK' };

test("a CDR's session facts: a session this process holds answers without a read; one it does not hold is read", async () => {
  const store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
  try {
    const reads: string[] = [];
    const here = new SessionStreams(processOn(store, reads));
    await new PutSessionHandler(here).execute(new PutSession(startingSession() as unknown as Session));
    const facts = new SessionFactsFromLog(here);

    reads.length = 0;
    const held = await facts.find(party, '101');
    assert.deepEqual(held, { stream: 'session-NL-STK-101', found: true, tokenUid: 'RFID-0042', currency: 'EUR' });
    assert.deepEqual(reads, [], 'no read of a session this process holds');

    // Written by another process: unknown here, so read (and found).
    const elsewhere = new SessionStreams(processOn(store, []));
    await new PutSessionHandler(elsewhere).execute(
      new PutSession({ ...(startingSession() as unknown as Session), id: '202', currency: 'CHF' }),
    );
    const read = await facts.find(party, '202');
    assert.equal(read.found && read.currency, 'CHF');
    assert.deepEqual(reads, ['session-NL-STK-202']);

    // No session by that id: read every time, since another process may PUT it any moment.
    assert.equal((await facts.find(party, '303')).found, false);
    assert.equal((await facts.find(party, '303')).found, false);
    assert.equal(reads.filter((stream) => stream === 'session-NL-STK-303').length, 2);
  } finally {
    await store.close();
  }
});

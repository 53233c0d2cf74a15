import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  verifyStreamChain,
  WrongExpectedVersion,
} from '@roamledger/event-store';

export interface ContractTarget {
  open(): Promise<EventStore>;
  /** Edits one stored event's data under the port, where the store allows it (SQL). */
  tamper?(store: EventStore, stream: string, revision: number): Promise<void>;
  /** How many writers the never-skip case runs at once. */
  concurrentWriters?: number;
  /** The store acts on readStream's skipTypes hint (the SQL stores; KurrentDB returns every event). */
  skipsTypes?: boolean;
}

const event = (type: string, data: Record<string, unknown> = {}, id?: string): NewEvent => ({
  id,
  type,
  data,
  metadata: { correlationId: 'corr-1', requestId: 'req-1', partner: 'DE*ABC', receivedAt: '2026-11-25T10:00:00.000Z' },
});

const uniqueStream = (prefix: string) => `${prefix}-${randomUUID()}`;

async function expectWrongVersion(promise: Promise<unknown>, actual: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof WrongExpectedVersion, `expected WrongExpectedVersion, got ${String(error)}`);
    assert.equal(error.actual, actual);
    return true;
  });
}

/** The next `count` events of a subscription (fewer if it ends). */
export async function take(iterator: AsyncIterator<RecordedEvent>, count: number): Promise<RecordedEvent[]> {
  const taken: RecordedEvent[] = [];
  while (taken.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    taken.push(next.value);
  }
  return taken;
}

/** An event as plain values (a frozen or a fresh object alike), for comparing what two paths give. */
export const plain = (event: RecordedEvent) => JSON.parse(JSON.stringify(event)) as unknown;

/** The behaviour every EventStore adapter must show; each adapter's test file runs it. */
export function eventStoreContract(name: string, target: ContractTarget): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    before(async () => {
      store = await target.open();
    });
    after(async () => {
      await store?.close();
    });

    test('appends get revisions from 0 and read back in order with their metadata', async () => {
      const stream = uniqueStream('session');
      const first = await store.append(stream, [event('A', { n: 1 }), event('B', { n: 2 })], {
        expectedRevision: 'no_stream',
      });
      assert.equal(first.nextExpectedRevision, 1);
      const second = await store.append(stream, [event('C', { n: 3, nested: { b: 1, a: [1, 2] } })], {
        expectedRevision: 1,
      });
      assert.equal(second.nextExpectedRevision, 2);
      assert.ok(second.position > first.position);

      const events = await store.readStream(stream);
      assert.deepEqual(
        events.map((e) => [e.type, e.revision]),
        [
          ['A', 0],
          ['B', 1],
          ['C', 2],
        ],
      );
      assert.deepEqual(events[2].data, { n: 3, nested: { b: 1, a: [1, 2] } });
      assert.equal(events[0].metadata.partner, 'DE*ABC');
      assert.equal(events[0].metadata.requestId, 'req-1');
      assert.match(events[0].id, /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(events[0].recordedAt)));
      assert.ok(events[0].position < events[1].position && events[1].position < events[2].position);

      const backwards = await store.readStream(stream, { direction: 'backwards', maxCount: 2 });
      assert.deepEqual(
        backwards.map((e) => e.revision),
        [2, 1],
      );
      const fromOne = await store.readStream(stream, { from: 1 });
      assert.deepEqual(
        fromOne.map((e) => e.revision),
        [1, 2],
      );
      assert.deepEqual(await store.readStream(uniqueStream('missing')), []);
    });

    test("a read told to skip some types keeps every other event and always the stream's last", async () => {
      const stream = uniqueStream('skip');
      await store.append(stream, [event('Request'), event('Decided', { n: 1 })], { expectedRevision: 'no_stream' });
      await store.append(stream, [event('Request'), event('Decided', { n: 2 })], { expectedRevision: 1 });
      await store.append(stream, [event('Request')], { expectedRevision: 3 });
      const read = (from?: number) =>
        store.readStream(stream, { skipTypes: ['Request'], ...(from !== undefined ? { from } : {}) });
      const all = await store.readStream(stream);
      for (const [from, kept] of [
        [undefined, [1, 3, 4]],
        [2, [3, 4]],
        [4, [4]],
      ] as const) {
        const events = await read(from);
        const revisions = events.map((e) => e.revision);
        if (target.skipsTypes) assert.deepEqual(revisions, kept, `from ${from}`);
        // Whatever it leaves out: in order, the last one there, every event not skipped, each as stored.
        assert.equal(revisions[revisions.length - 1], 4, `the last event, from ${from}`);
        for (const revision of kept) assert.ok(revisions.includes(revision), `revision ${revision}, from ${from}`);
        assert.deepEqual(
          revisions,
          [...revisions].sort((a, b) => a - b),
        );
        for (const e of events) assert.deepEqual(e, all[e.revision]);
      }
    });

    test('text that means something to SQL is stored as it is: quotes, backslashes, dollars, escapes in data and stream', async () => {
      // The embedded store writes values into the append's statement as literals: nothing here may change or run.
      const odd = [
        "O'Brien",
        "'); DROP TABLE rl_events; --",
        'C:\\path\\n',
        '\\x00',
        '$$ $1 $tag$',
        "E'x'",
        'zażółć 🚗',
        '"quoted"',
      ];
      const stream = uniqueStream("session-O'Brien\\");
      const written = odd.map((text, n) => event('Odd', { text, n, nested: { [text]: [text] } }));
      await store.append(stream, written);
      const read = await store.readStream(stream);
      assert.equal(read.length, odd.length);
      assert.deepEqual(
        read.map((e) => e.data),
        written.map((e) => e.data),
      );
      assert.equal(read[0].stream, stream);
      assert.equal(verifyStreamChain(read), undefined);
    });

    test('expected revision: no_stream, stream_exists, exact and any', async () => {
      const stream = uniqueStream('token');
      await expectWrongVersion(store.append(stream, [event('X')], { expectedRevision: 'stream_exists' }), -1);
      await expectWrongVersion(store.append(stream, [event('X')], { expectedRevision: 0 }), -1);
      await store.append(stream, [event('X')], { expectedRevision: 'no_stream' });
      await expectWrongVersion(store.append(stream, [event('X')], { expectedRevision: 'no_stream' }), 0);
      await expectWrongVersion(store.append(stream, [event('X')], { expectedRevision: 5 }), 0);
      await store.append(stream, [event('Y')], { expectedRevision: 'stream_exists' });
      const result = await store.append(stream, [event('Z')], { expectedRevision: 'any' });
      assert.equal(result.nextExpectedRevision, 2);
      await store.append(stream, [event('W')]);
      assert.equal((await store.readStream(stream)).length, 4);
    });

    test('retrying an append with the same ids at the same expected revision writes nothing twice', async () => {
      const stream = uniqueStream('cdr');
      const ids = [randomUUID(), randomUUID()];
      const batch = [event('CdrReceived', { a: 1 }, ids[0]), event('CdrLinkedToSession', { b: 2 }, ids[1])];
      const first = await store.append(stream, batch, { expectedRevision: 'no_stream' });
      const retry = await store.append(stream, batch, { expectedRevision: 'no_stream' });
      assert.deepEqual(retry, first);
      await store.append(stream, [event('Later')], { expectedRevision: 1 });
      const retryAfterMore = await store.append(stream, batch, { expectedRevision: 'no_stream' });
      assert.equal(retryAfterMore.nextExpectedRevision, 1);
      const events = await store.readStream(stream);
      assert.deepEqual(
        events.map((e) => e.id),
        [...ids, events[2].id],
      );
    });

    test('two concurrent appenders at the same expected revision: exactly one wins', async () => {
      const stream = uniqueStream('session');
      await store.append(stream, [event('Started')], { expectedRevision: 'no_stream' });
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, (_, i) => store.append(stream, [event('Updated', { writer: i })], { expectedRevision: 0 })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      assert.equal(won.length, 1);
      for (const loser of lost) {
        assert.ok((loser as PromiseRejectedResult).reason instanceof WrongExpectedVersion);
        assert.equal(((loser as PromiseRejectedResult).reason as WrongExpectedVersion).actual, 1);
      }
      assert.equal((await store.readStream(stream)).length, 2);
    });

    test('readAll: one global order, fromPosition, maxCount, filters by stream prefix and event type', async () => {
      const tag = randomUUID().slice(0, 8);
      const sessions = `sessiontest${tag}-1`;
      const cdrs = `cdrtest${tag}-1`;
      const start = (await store.headPosition()) + 1;
      await store.append(sessions, [event('SessionStarted'), event('SessionUpdated')]);
      await store.append(cdrs, [event('CdrReceived')]);
      await store.append(sessions, [event('SessionEnded')]);

      const all = await store.readAll({ fromPosition: start });
      const mine = all.filter((e) => e.stream === sessions || e.stream === cdrs);
      assert.deepEqual(
        mine.map((e) => e.type),
        ['SessionStarted', 'SessionUpdated', 'CdrReceived', 'SessionEnded'],
      );
      for (let i = 1; i < all.length; i++) assert.ok(all[i].position > all[i - 1].position);

      const limited = await store.readAll({ fromPosition: mine[1].position, maxCount: 2 });
      assert.deepEqual(
        limited.map((e) => e.id),
        [mine[1].id, all[all.indexOf(mine[1]) + 1].id],
      );
      const byPrefix = await store.readAll({ fromPosition: start, filter: { streamPrefixes: [`cdrtest${tag}`] } });
      assert.deepEqual(
        byPrefix.map((e) => e.type),
        ['CdrReceived'],
      );
      const byType = await store.readAll({
        fromPosition: start,
        filter: { eventTypes: ['SessionEnded', 'CdrReceived'], streamPrefixes: [`sessiontest${tag}`, `cdrtest${tag}`] },
      });
      assert.deepEqual(
        byType.map((e) => e.type),
        ['CdrReceived', 'SessionEnded'],
      );
      assert.ok((await store.headPosition()) >= mine[3].position);
    });

    test('a catch-up subscriber sees every event exactly once, in order, while many writers append', async () => {
      const writers = target.concurrentWriters ?? 8;
      const perWriter = 25;
      const tag = `never-skip-${randomUUID().slice(0, 8)}`;
      const start = (await store.headPosition()) + 1;
      const subscription = store.subscribeToAll({ fromPosition: start, filter: { streamPrefixes: [tag] } });
      const iterator = subscription[Symbol.asyncIterator]();
      const expected = writers * perWriter;
      const reading = take(iterator, expected);

      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let i = 0; i < perWriter; i++) {
            // Half the writers share streams, half write their own: contention and interleaving.
            const stream = `${tag}-${w % 2 === 0 ? 'shared' : w}-${i % 3}`;
            await store.append(stream, [event('Written', { w, i })], { expectedRevision: 'any' });
          }
        }),
      );
      const seen = await reading;
      await subscription.close();

      assert.equal(seen.length, expected);
      assert.equal(new Set(seen.map((e) => e.id)).size, expected);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i].position > seen[i - 1].position);
      const logged = await store.readAll({ fromPosition: start, filter: { streamPrefixes: [tag] } });
      assert.deepEqual(
        seen.map((e) => e.id),
        logged.map((e) => e.id),
      );
    });

    test('several subscribers at once (one from the start of the run, one far behind, one joining late) each see every event once, in order', async () => {
      const tag = `many-${randomUUID().slice(0, 8)}`;
      const start = (await store.headPosition()) + 1;
      const perStream = 60;
      const appendSome = (from: number, count: number) =>
        Promise.all(
          [0, 1, 2].map(async (s) => {
            for (let i = from; i < from + count; i++) await store.append(`${tag}-${s}`, [event('Counted', { s, i })]);
          }),
        );
      await appendSome(0, perStream / 3);
      const expected = 3 * perStream;
      const subscribe = (fromPosition: number) =>
        store.subscribeToAll({ fromPosition, filter: { streamPrefixes: [tag] }, batchSize: 7 });
      const atStart = subscribe(start);
      const behind = subscribe(0);
      const readers = [take(atStart[Symbol.asyncIterator](), expected), take(behind[Symbol.asyncIterator](), expected)];
      await appendSome(perStream / 3, perStream / 3);
      const late = subscribe(start);
      readers.push(take(late[Symbol.asyncIterator](), expected));
      await appendSome((2 * perStream) / 3, perStream / 3);
      const seen = await Promise.all(readers);
      for (const subscription of [atStart, behind, late]) await subscription.close();

      const logged = (await store.readAll({ fromPosition: start, filter: { streamPrefixes: [tag] } })).map((e) => e.id);
      assert.equal(logged.length, expected);
      for (const events of seen) {
        assert.deepEqual(
          events.map((e) => e.id),
          logged,
        );
      }
    });

    test('with no append after they start, subscribers far apart each read on to the end of the log', async () => {
      const tag = `quiet-${randomUUID().slice(0, 8)}`;
      const start = (await store.headPosition()) + 1;
      for (let i = 0; i < 12; i++) {
        await store.append(
          `${tag}-${i}`,
          Array.from({ length: 100 }, (_, n) => event('Counted', { i, n })),
        );
      }
      const head = await store.headPosition();
      // Pages far smaller than what the store reads ahead for its subscribers, and one reader
      // joining after the first has read everything: no append comes to wake either of them.
      const readToHead = async (batchSize: number) => {
        const subscription = store.subscribeToAll({ fromPosition: start, batchSize });
        const events: RecordedEvent[] = [];
        const iterator = subscription[Symbol.asyncIterator]();
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), 60_000);
        });
        try {
          while (events.length === 0 || events[events.length - 1].position < head) {
            const next = await Promise.race([iterator.next(), late]);
            assert.ok(next !== 'late', `stopped at ${events[events.length - 1]?.position} before the head ${head}`);
            if (next.done) break;
            events.push(next.value);
          }
        } finally {
          clearTimeout(timer);
          await subscription.close();
        }
        return events.filter((e) => e.stream.startsWith(tag)).length;
      };
      assert.equal(await readToHead(100), 1200);
      assert.equal(await readToHead(30), 1200);
    });

    test('a filtered subscriber far behind sees only its events, in order, past long runs of others, then live ones', async () => {
      const tag = `sparse-${randomUUID().slice(0, 8)}`;
      const start = (await store.headPosition()) + 1;
      for (let i = 0; i < 3; i++) {
        await store.append(`${tag}-mine`, [event('Mine', { i }), event('NotMine', { i })]);
        await store.append(
          uniqueStream(`${tag}x`),
          Array.from({ length: 30 }, () => event('Mine', { i: -1 })),
        );
      }
      const subscription = store.subscribeToAll({
        fromPosition: start,
        filter: { streamPrefixes: [`${tag}-mine`], eventTypes: ['Mine'] },
        batchSize: 5,
      });
      const iterator = subscription[Symbol.asyncIterator]();
      const behind = await take(iterator, 3);
      const live = take(iterator, 1);
      await store.append(`${tag}-mine`, [event('NotMine', { i: 3 }), event('Mine', { i: 3 })]);
      const seen = [...behind, ...(await live)];
      await subscription.close();
      assert.deepEqual(
        seen.map((e) => [e.stream, e.type, (e.data as { i: number }).i]),
        [0, 1, 2, 3].map((i) => [`${tag}-mine`, 'Mine', i]),
      );
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i].position > seen[i - 1].position);
    });

    test("two subscribers at the log's end: one cannot change the event the other reads", async () => {
      const from = (await store.headPosition()) + 1;
      const [first, second] = [store.subscribeToAll({ fromPosition: from }), store.subscribeToAll({ fromPosition: from })];
      // Both wait at the end before the append, so a store that shares its reads shares this one.
      const [a, b] = [first[Symbol.asyncIterator]().next(), second[Symbol.asyncIterator]().next()];
      await store.append(uniqueStream('shared'), [event('Shared', { nested: { kwh: 1, list: [{ tag: 'x' }] } })]);
      const mine = (await a).value as RecordedEvent<{ nested: { kwh: number; list: Array<{ tag: string }> } }>;
      const attempts = [
        () => {
          mine.data.nested.kwh = 2;
        },
        () => {
          mine.data.nested.list[0].tag = 'changed';
        },
        () => {
          mine.data.nested.list.push({ tag: 'added' });
        },
        () => {
          mine.metadata.partner = 'XX*XXX';
        },
        () => {
          mine.type = 'Changed';
        },
      ];
      for (const attempt of attempts) {
        try {
          attempt();
        } catch (error) {
          // A frozen event (the SQL stores' shared tail) refuses the change.
          assert.ok(error instanceof TypeError, String(error));
        }
      }
      const theirs = (await b).value as RecordedEvent;
      assert.equal(theirs.type, 'Shared');
      assert.deepEqual(theirs.data, { nested: { kwh: 1, list: [{ tag: 'x' }] } });
      assert.equal(theirs.metadata.partner, 'DE*ABC');
      await first.close();
      await second.close();
    });

    test("a subscriber at the log's end gets each new event exactly as a read gives it back", async () => {
      const from = (await store.headPosition()) + 1;
      const subscription = store.subscribeToAll({ fromPosition: from });
      const iterator = subscription[Symbol.asyncIterator]();
      // Waiting at the end before the appends: a store that hands its own appends to its subscribers does so here.
      const taking = take(iterator, 6);
      const stream = uniqueStream('as-stored');
      const awkward = {
        when: new Date('2026-11-30T12:00:00.123Z'),
        dropped: undefined,
        list: [1, undefined, 'two', { deep: [null, true] }],
        numbers: { tiny: 1e-7, huge: 1e21, sum: 0.1 + 0.2, negativeZero: -0, big: Number.MAX_SAFE_INTEGER },
        text: 'Ünïcödé 🚗 "quoted" \\ back\nslash',
        zb: 1,
        a: 2,
      };
      await store.append(stream, [event('One', awkward)], { expectedRevision: 'no_stream' });
      await store.append(stream, [event('Two', { n: 2 }), event('Three', { items: [] }), event('Four', { n: 4 })]);
      await store.append(uniqueStream('as-stored'), [event('Five', { n: 5 }), event('Six', { text: '' })]);
      const seen = await taking;
      await subscription.close();
      const read = await store.readAll({ fromPosition: from });
      assert.deepEqual(
        seen.map((e) => e.type),
        ['One', 'Two', 'Three', 'Four', 'Five', 'Six'],
      );
      assert.deepStrictEqual(seen.map(plain), read.map(plain));
      assert.deepStrictEqual(seen[0].data, {
        when: '2026-11-30T12:00:00.123Z',
        list: [1, null, 'two', { deep: [null, true] }],
        numbers: { tiny: 1e-7, huge: 1e21, sum: 0.1 + 0.2, negativeZero: 0, big: Number.MAX_SAFE_INTEGER },
        text: 'Ünïcödé 🚗 "quoted" \\ back\nslash',
        zb: 1,
        a: 2,
      });
    });

    test('a named subscriber resumes after its checkpoint, and receives live events', async () => {
      const tag = `resume-${randomUUID().slice(0, 8)}`;
      const checkpointName = `projector-${tag}`;
      for (let i = 0; i < 5; i++) await store.append(`${tag}-s`, [event('Numbered', { i })]);

      const first = store.subscribeToAll({ checkpointName, filter: { streamPrefixes: [tag] } });
      const firstThree = await take(first[Symbol.asyncIterator](), 3);
      await first.checkpoint(firstThree[2].position);
      await first.close();
      assert.equal(await store.checkpoints.load(checkpointName), firstThree[2].position);

      const resumed = store.subscribeToAll({ checkpointName, filter: { streamPrefixes: [tag] } });
      const iterator = resumed[Symbol.asyncIterator]();
      const rest = await take(iterator, 2);
      assert.deepEqual(
        rest.map((e) => (e.data as { i: number }).i),
        [3, 4],
      );
      const live = take(iterator, 1);
      await store.append(`${tag}-s`, [event('Numbered', { i: 5 })]);
      assert.deepEqual(
        (await live).map((e) => (e.data as { i: number }).i),
        [5],
      );
      await resumed.close();
    });

    test('a store closed twice, at once and again later, closes once and throws nothing', async () => {
      // Shutdown can run twice (a signal and a parent going away), and modules may share a store.
      const other = await target.open();
      await other.append(uniqueStream('session'), [event('A')]);
      await Promise.all([other.close(), other.close()]);
      await other.close();
    });

    test('every stream is a sha256 hash chain from the first event', async () => {
      const stream = uniqueStream('partner');
      await store.append(stream, [event('PartnerInvited', { at: new Date('2026-11-25T10:00:00Z') })]);
      await store.append(stream, [event('PartnerRegistered', { roles: ['CPO'] }), event('CredentialsRotated')]);
      const events = await store.readStream(stream);
      assert.equal(events[0].prevHash, '0'.repeat(64));
      assert.equal(events[1].prevHash, events[0].hash);
      assert.match(events[2].hash, /^[0-9a-f]{64}$/);
      assert.equal(verifyStreamChain(events), undefined);
    });

    test('an edited event breaks the chain at that event', {
      skip: target.tamper ? false : 'the store offers no way to edit an event',
    }, async () => {
      const stream = uniqueStream('cdr');
      await store.append(stream, [event('CdrReceived', { total: '12.34' }), event('CdrLinkedToSession'), event('Later')]);
      await target.tamper?.(store, stream, 1);
      const broken = verifyStreamChain(await store.readStream(stream));
      assert.ok(broken, 'tampering went unnoticed');
      assert.equal(broken.stream, stream);
      assert.equal(broken.revision, 1);
      assert.match(broken.reason, /hash/);
    });
  });
}

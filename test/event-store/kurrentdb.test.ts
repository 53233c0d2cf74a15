import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ANY, EVENT_TYPE, NO_STREAM, STREAM_EXISTS, STREAM_NAME, WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { GENESIS_HASH, type RecordedEvent, verifyStreamChain, WrongExpectedVersion } from '@roamledger/event-store';
import { KurrentDbEventStore } from '../../libs/event-store/src/kurrentdb';
import {
  type ChainedEvent,
  type ClientResolvedEvent,
  chainEvents,
  isWrongExpectedVersionError,
  matchesFilter,
  normalizeExpected,
  prepareEvent,
  splitMetadata,
  toClientPosition,
  toEventData,
  toRecordedEvent,
  toServerFilter,
  toStreamState,
  toWrongExpectedVersion,
} from '../../libs/event-store/src/kurrentdb/kurrentdb-mapping';
import { eventStoreContract } from './contract';

const url = process.env.KURRENTDB_URL;

if (url) {
  // Every contract test uses its own stream names, so the suite can share a server.
  eventStoreContract('KurrentDB', {
    open: async () => {
      const store = KurrentDbEventStore.connect(url);
      await store.ping();
      return store;
    },
    concurrentWriters: 8,
  });
} else {
  test('KurrentDB contract suite', { skip: 'KURRENTDB_URL is not set: no KurrentDB server on this machine' }, () => {});
}

/** What reading `chained` back gives (JSON data and metadata as stored), at `position`. */
function asRead(stream: string, chained: ChainedEvent, position: number): ClientResolvedEvent {
  const stored = toEventData(chained);
  return {
    event: {
      streamId: stream,
      id: stored.id,
      type: stored.type,
      revision: BigInt(chained.revision),
      created: new Date(),
      data: JSON.parse(JSON.stringify(stored.data)),
      metadata: JSON.parse(JSON.stringify(stored.metadata)),
      position: { commit: BigInt(position), prepare: BigInt(position) },
    },
  };
}

describe('KurrentDB adapter mapping (no server)', () => {
  test('expected revision maps to the client stream state', () => {
    assert.equal(toStreamState('any'), ANY);
    assert.equal(toStreamState('no_stream'), NO_STREAM);
    assert.equal(toStreamState('stream_exists'), STREAM_EXISTS);
    assert.equal(toStreamState(0), 0n);
    assert.equal(toStreamState(41), 41n);
    assert.equal(toStreamState(-1), NO_STREAM);
    assert.throws(() => toStreamState(-2), RangeError);
    assert.throws(() => toStreamState(1.5), RangeError);
    assert.equal(normalizeExpected(undefined), 'any');
    assert.equal(normalizeExpected(-1), 'no_stream');
    assert.equal(normalizeExpected(3), 3);
  });

  test('a numeric position addresses {commit, prepare} both at it', () => {
    assert.deepEqual(toClientPosition(0), { commit: 0n, prepare: 0n });
    assert.deepEqual(toClientPosition(123456789), { commit: 123456789n, prepare: 123456789n });
    assert.throws(() => toClientPosition(-1), RangeError);
  });

  test('the client WrongExpectedVersionError maps to the port one, -1 for a missing stream', () => {
    const behind = new WrongExpectedVersionError(undefined, { streamName: 's', expected: 3n, current: 5n });
    assert.ok(isWrongExpectedVersionError(behind));
    const mapped = toWrongExpectedVersion(behind, 's', 3);
    assert.ok(mapped instanceof WrongExpectedVersion);
    assert.equal(mapped.stream, 's');
    assert.equal(mapped.expected, 3);
    assert.equal(mapped.actual, 5);
    const missing = new WrongExpectedVersionError(undefined, {
      streamName: 's',
      expected: STREAM_EXISTS,
      current: NO_STREAM,
    });
    assert.equal(toWrongExpectedVersion(missing, 's', 'stream_exists').actual, -1);
    assert.equal(isWrongExpectedVersionError(new Error('other')), false);
  });

  test('metadata: the $rl chain part is split off, the rest kept as given', () => {
    const chain = { prevHash: GENESIS_HASH, hash: 'a'.repeat(64), recordedAt: '2026-11-25T10:00:00.000Z' };
    assert.deepEqual(splitMetadata({ correlationId: 'c-1', partner: 'DE*ABC', $rl: chain }), {
      metadata: { correlationId: 'c-1', partner: 'DE*ABC' },
      chain,
    });
    assert.deepEqual(splitMetadata({ correlationId: 'c-1' }), { metadata: { correlationId: 'c-1' } });
    assert.deepEqual(splitMetadata({ $rl: { hash: 1 } }), { metadata: {} });
    assert.deepEqual(splitMetadata(undefined), { metadata: {} });
    assert.deepEqual(splitMetadata(new Uint8Array([1, 2])), { metadata: {} });
  });

  test('prepared events get an id when absent, JSON-normalised data, no caller $rl', () => {
    const prepared = prepareEvent(
      { type: 'T', data: { at: new Date('2026-11-25T10:00:00Z'), gone: undefined }, metadata: { $rl: 'x', requestId: 'r' } },
      () => 'generated-id',
    );
    assert.deepEqual(prepared, {
      id: 'generated-id',
      type: 'T',
      data: { at: '2026-11-25T10:00:00.000Z' },
      metadata: { requestId: 'r' },
    });
    assert.equal(prepareEvent({ id: 'given', type: 'T', data: undefined }, () => 'x').id, 'given');
    assert.equal(prepareEvent({ id: 'given', type: 'T', data: undefined }, () => 'x').data, null);
  });

  test('chained events read back as a verifiable hash chain, metadata without $rl', () => {
    const stream = 'partner-1';
    const recordedAt = '2026-11-25T10:00:00.000Z';
    const events = [
      prepareEvent({ type: 'PartnerInvited', data: { at: new Date(recordedAt) }, metadata: { partner: 'DE*ABC' } }, () => 'id-0'),
      prepareEvent({ type: 'PartnerRegistered', data: { roles: ['CPO'] } }, () => 'id-1'),
    ];
    const first = chainEvents(stream, 0, GENESIS_HASH, events, recordedAt);
    const more = chainEvents(
      stream,
      2,
      first[1].chain.hash,
      [prepareEvent({ type: 'Rotated', data: {} }, () => 'id-2')],
      recordedAt,
    );
    const read = [...first, ...more].map((chained, index) => toRecordedEvent(asRead(stream, chained, 1000 + index * 120)));
    const recorded = read as RecordedEvent[];

    assert.deepEqual(
      recorded.map((event) => [event.id, event.revision, event.position]),
      [
        ['id-0', 0, 1000],
        ['id-1', 1, 1120],
        ['id-2', 2, 1240],
      ],
    );
    assert.deepEqual(recorded[0].metadata, { partner: 'DE*ABC' });
    assert.equal(recorded[0].prevHash, GENESIS_HASH);
    assert.equal(recorded[1].prevHash, recorded[0].hash);
    assert.equal(recorded[2].prevHash, recorded[1].hash);
    assert.equal(recorded[0].recordedAt, recordedAt);
    assert.equal(verifyStreamChain(recorded), undefined);

    const tampered = recorded.map((event, index) => (index === 1 ? { ...event, data: { roles: ['EMSP'] } } : event));
    assert.equal(verifyStreamChain(tampered)?.revision, 1);
  });

  test('an event written by someone else maps with empty hashes and the server time', () => {
    const created = new Date('2026-11-25T11:00:00.000Z');
    const mapped = toRecordedEvent({
      event: { streamId: 's', id: 'x', type: 'T', revision: 4n, created, data: { a: 1 }, metadata: undefined },
      commitPosition: 77n,
    });
    assert.deepEqual(mapped, {
      id: 'x',
      type: 'T',
      data: { a: 1 },
      metadata: {},
      stream: 's',
      revision: 4,
      position: 77,
      recordedAt: created.toISOString(),
      prevHash: '',
      hash: '',
    });
    assert.equal(toRecordedEvent({}), undefined);
  });

  test('filters: server side by stream prefix or event type prefix, exact on the client', () => {
    const byStream = toServerFilter({ streamPrefixes: ['a-'], eventTypes: ['T'] }) as { filterOn: string; prefixes: string[] };
    assert.deepEqual([byStream.filterOn, byStream.prefixes], [STREAM_NAME, ['a-']]);
    const byType = toServerFilter({ eventTypes: ['T'] }) as { filterOn: string; prefixes: string[] };
    assert.deepEqual([byType.filterOn, byType.prefixes], [EVENT_TYPE, ['T']]);
    const visible = toServerFilter(undefined) as { filterOn: string; regex: string };
    assert.equal(visible.filterOn, STREAM_NAME);
    const regex = new RegExp(visible.regex);
    assert.ok(regex.test('session-1'));
    assert.ok(!regex.test('$stats-1'));
    assert.ok(!regex.test('rl-checkpoint-projector'));

    assert.ok(matchesFilter({ stream: 'a-1', type: 'T' }, undefined));
    assert.ok(!matchesFilter({ stream: '$$a-1', type: '$metadata' }, undefined));
    assert.ok(!matchesFilter({ stream: 'rl-checkpoint-x', type: 'rl.checkpoint' }, undefined));
    assert.ok(!matchesFilter({ stream: 'a-1', type: '$>' }, undefined));
    assert.ok(matchesFilter({ stream: 'a-1', type: 'T' }, { streamPrefixes: ['a-'], eventTypes: ['T'] }));
    assert.ok(!matchesFilter({ stream: 'a-1', type: 'TT' }, { eventTypes: ['T'] }));
    assert.ok(!matchesFilter({ stream: 'b-1', type: 'T' }, { streamPrefixes: ['a-'] }));
    assert.ok(matchesFilter({ stream: 'b-1', type: 'T' }, { streamPrefixes: [], eventTypes: [] }));
  });

  test('the client loads and a store can be built without reaching a server', async () => {
    const store = KurrentDbEventStore.connect('kurrentdb://localhost:2113?tls=false');
    assert.equal(store.kind, 'kurrentdb');
    await store.close();
  });
});

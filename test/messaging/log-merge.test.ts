// LogMerge without a broker: the forwarder's own message layout (batchMessages) replayed into
// partitions with partial writes, re-sent batches and consumer crashes, read back in log order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordedEvent } from '@roamledger/event-store';
import {
  batchMessages,
  LogMerge,
  RevisionGap,
  readLogMessage,
  SeenRevisions,
  topicOfStream,
  WATERMARK_KEY,
  watermarkMessage,
} from '@roamledger/messaging';
import type { Message } from 'kafkajs';
import { TOPIC_MAP } from '../support/modules';
import { seededRandom } from '../support/seeded-random';

const topicOf = (stream: string) => topicOfStream(stream, PREFIX, TOPIC_MAP);

const PREFIX = 'rl.';

function event(stream: string, revision: number, position: number): RecordedEvent {
  return {
    id: `${stream}#${revision}`,
    type: 'Tested',
    data: {},
    metadata: {},
    stream,
    revision,
    position,
    recordedAt: '2026-01-01T00:00:00.000Z',
    prevHash: '',
    hash: `h${position}`,
  };
}

function read(message: Message) {
  return readLogMessage({ headers: message.headers, value: message.value === null ? null : Buffer.from(String(message.value)) });
}

test('a watermark message is no tombstone: it has a key and a value, and reads back as a watermark only', () => {
  const message = watermarkMessage(2, 41);
  assert.equal(message.key, WATERMARK_KEY);
  assert.notEqual(message.value, null);
  assert.deepEqual(JSON.parse(String(message.value)), { log_through: 41 });
  assert.deepEqual(read(message), { through: 41 });
});

test('events of two partitions come out in log order once both partitions have reached them', () => {
  const partitions = new Map([['rl.sessions', [{ partitionId: 0 }, { partitionId: 1 }]]]);
  const byStream = (_topic: string, stream: string) => (stream === 'session-a' ? 0 : 1);
  const merge = new LogMerge(-1);
  merge.assign([
    { topic: 'rl.sessions', partition: 0 },
    { topic: 'rl.sessions', partition: 1 },
  ]);
  const [topic] = batchMessages(
    [event('session-a', 0, 3), event('session-b', 0, 5), event('session-a', 1, 8)],
    topicOf,
    partitions,
    byStream,
  );
  const p0 = topic.messages.filter((m) => m.partition === 0);
  const p1 = topic.messages.filter((m) => m.partition === 1);
  // Partition 0 read first: 3 and 8 wait, since partition 1 could still hold something before them.
  p0.forEach((m, i) => {
    merge.add('rl.sessions', 0, i, read(m));
  });
  assert.deepEqual(merge.take(), []);
  p1.forEach((m, i) => {
    merge.add('rl.sessions', 1, i, read(m));
  });
  assert.deepEqual(
    merge.take().map((e) => e.position),
    [3, 5, 8],
  );
  // Nothing confirmed yet: a restart must read both partitions from the start.
  assert.deepEqual(
    merge.commits().map((c) => c.offset),
    ['0', '0'],
  );
  merge.confirm(8);
  assert.deepEqual(
    merge.commits().map((c) => c.offset),
    ['2', '1'],
  );
});

test('a batch published again (after a failed attempt) is dropped as a copy', () => {
  const partitions = new Map([['rl.cdrs', [{ partitionId: 0 }]]]);
  const merge = new LogMerge(-1);
  merge.assign([{ topic: 'rl.cdrs', partition: 0 }]);
  const batch = [event('cdr-x', 0, 0), event('cdr-x', 1, 1)];
  const [once] = batchMessages(batch, topicOf, partitions, () => 0);
  const messages = [
    once.messages[0],
    ...once.messages,
    ...batchMessages([event('cdr-x', 2, 4)], topicOf, partitions, () => 0)[0].messages,
  ];
  messages.forEach((m, offset) => {
    merge.add('rl.cdrs', 0, offset, read(m));
  });
  assert.deepEqual(
    merge.take().map((e) => e.position),
    [0, 1, 4],
  );
});

test('a watermark ahead of the confirmed position is read again after a restart', () => {
  const partitions = new Map([['rl.events', [{ partitionId: 0 }, { partitionId: 1 }]]]);
  const merge = new LogMerge(-1);
  merge.assign([
    { topic: 'rl.events', partition: 0 },
    { topic: 'rl.events', partition: 1 },
  ]);
  const [first] = batchMessages([event('pull-a', 0, 10)], topicOf, partitions, () => 0);
  for (const m of first.messages) merge.add('rl.events', m.partition ?? 0, 0, read(m));
  assert.deepEqual(
    merge.take().map((e) => e.position),
    [10],
  );
  merge.confirm(10);
  // Partition 1 holds only the watermark 10, which the confirmed position covers: skip it.
  assert.deepEqual(
    merge.commits().map((c) => [c.partition, c.offset]),
    [
      [0, '1'],
      [1, '1'],
    ],
  );
});

test('random publications, partial writes, copies and consumer crashes: every event once, in log order', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const rnd = seededRandom(seed);
    const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)];
    const topics = new Map([
      ['rl.sessions', [0, 1, 2].map((partitionId) => ({ partitionId }))],
      ['rl.cdrs', [0, 1].map((partitionId) => ({ partitionId }))],
      ['rl.partners', [{ partitionId: 0 }]],
      ['rl.events', [0, 1, 2].map((partitionId) => ({ partitionId }))],
    ]);
    const streams = ['session-1', 'session-2', 'session-3', 'cdr-1', 'cdr-2', 'partner-1', 'pull-1', 'audit-seals'];
    const partitionOf = (topic: string, stream: string) => {
      let hash = 0;
      for (const char of stream) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
      return hash % (topics.get(topic)?.length ?? 1);
    };
    // The log: positions with gaps, as the stores allow.
    const revisions = new Map<string, number>();
    const log: RecordedEvent[] = [];
    let position = Math.floor(rnd() * 3);
    for (let i = 0; i < 60 + Math.floor(rnd() * 60); i++) {
      const stream = pick(streams);
      const revision = (revisions.get(stream) ?? -1) + 1;
      revisions.set(stream, revision);
      log.push(event(stream, revision, position));
      position += 1 + Math.floor(rnd() * 3);
    }
    // Partitions as Kafka would hold them.
    const partitionLog = new Map<string, Message[]>();
    for (const [topic, ofTopic] of topics) for (const { partitionId } of ofTopic) partitionLog.set(`${topic}/${partitionId}`, []);
    // A partition takes a request's messages for it all or none (one record batch).
    const write = (topicMessages: ReturnType<typeof batchMessages>, keep: () => boolean) => {
      for (const { topic, messages } of topicMessages) {
        const kept = new Map<number, boolean>();
        for (const message of messages) {
          const partition = message.partition ?? 0;
          if (!kept.has(partition)) kept.set(partition, keep());
          if (kept.get(partition)) partitionLog.get(`${topic}/${partition}`)?.push(message);
        }
      }
    };
    // The forwarder: batches in order; some attempts write only some partitions and are
    // published again; sometimes it restarts from an older checkpoint.
    let published = 0;
    const batches: RecordedEvent[][] = [];
    const publishStep = () => {
      if (published >= log.length) return;
      const size = 1 + Math.floor(rnd() * 8);
      const batch = log.slice(published, published + size);
      const messages = batchMessages(batch, topicOf, topics, partitionOf);
      if (rnd() < 0.2) write(messages, () => rnd() < 0.5);
      write(messages, () => true);
      batches.push(batch);
      published += batch.length;
      if (rnd() < 0.05 && batches.length > 2) {
        for (const again of batches.slice(-2)) write(batchMessages(again, topicOf, topics, partitionOf), () => true);
      }
    };
    // The consumer: reads partitions in random order, crashes now and then and restarts from
    // its confirmed position and committed offsets.
    const assigned = [...partitionLog.keys()].map((key) => {
      const [topic, partition] = key.split('/');
      return { topic, partition: Number(partition) };
    });
    const committed = new Map<string, number>();
    const readAt = new Map<string, number>();
    let applied: number[] = [];
    let merge = new LogMerge(-1);
    merge.assign(assigned);
    const consumeStep = () => {
      const key = pick([...partitionLog.keys()]);
      const messages = partitionLog.get(key) ?? [];
      const from = readAt.get(key) ?? 0;
      const to = Math.min(messages.length, from + Math.floor(rnd() * 5));
      const [topic, partition] = key.split('/');
      for (let offset = from; offset < to; offset++) merge.add(topic, Number(partition), offset, read(messages[offset]));
      readAt.set(key, to);
      applied.push(...merge.take(1 + Math.floor(rnd() * 10)).map((e) => e.position));
      if (rnd() < 0.5 && applied.length) merge.confirm(applied[applied.length - 1]);
      if (rnd() < 0.5) {
        const commits = merge.commits();
        for (const c of commits) committed.set(`${c.topic}/${c.partition}`, Number(c.offset));
        merge.committed(commits);
      }
      if (rnd() < 0.03) {
        applied = applied.filter((p) => p <= merge.confirmed);
        merge = new LogMerge(merge.confirmed);
        merge.assign(assigned);
        for (const partitionKey of partitionLog.keys()) readAt.set(partitionKey, committed.get(partitionKey) ?? 0);
      }
    };
    while (published < log.length) {
      if (rnd() < 0.4) publishStep();
      else consumeStep();
    }
    for (let i = 0; i < 5000 && applied.length < log.length; i++) consumeStep();
    assert.deepEqual(
      applied,
      log.map((e) => e.position),
      `seed ${seed}`,
    );
  }
});

test('SeenRevisions keeps new revisions, drops copies and refuses a gap', () => {
  const seen = new SeenRevisions();
  const a = (revision: number) => ({ id: `a${revision}`, stream: 'session-a', revision });
  assert.deepEqual(
    seen.claim([a(0), a(1), a(0), a(1), a(2)]).map((e) => e.revision),
    [0, 1, 2],
  );
  assert.deepEqual(seen.claim([a(2)]), []);
  assert.throws(() => seen.claim([a(4)]), RevisionGap);
  assert.deepEqual(
    new SeenRevisions({ fromStart: false }).claim([a(7), a(8)]).map((e) => e.revision),
    [7, 8],
  );
});

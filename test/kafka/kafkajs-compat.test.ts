// kafkajs 2.2.4 against the real broker of deploy/kafka (see deploy/kafka/README.md for why
// this Kafka version): topic admin, idempotent producer, consumer group, offset commits, and
// a broker crash in the middle of a stream.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { type Admin, type Consumer, Kafka, logLevel, Partitioners } from 'kafkajs';
import { type KafkaBroker, restartKafka, startKafka, stopKafka } from '../support/kafka-broker';

interface Received {
  key: string;
  seq: number;
  partition: number;
  offset: number;
}

let broker: KafkaBroker;
let admin: Admin;

before(
  async () => {
    broker = await startKafka();
    admin = client('compat-admin').admin();
    await admin.connect();
  },
  { timeout: 6 * 60_000 },
);

after(async () => {
  await admin?.disconnect();
  await stopKafka();
});

test('idempotent producer + consumer group: each message once, in order per key, offsets committed', {
  timeout: 90_000,
}, async () => {
  const topic = `compat-${randomUUID()}`;
  const groupId = `compat-group-${randomUUID()}`;
  const keys = ['session-1', 'session-2', 'session-3', 'session-4', 'session-5', 'session-6'];
  const perKey = 50;
  const total = keys.length * perKey;

  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }), true);

  const producer = client('compat-producer').producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    // Each send carries every key, so batches span all partitions.
    for (let from = 0; from < perKey; from += 10) {
      const messages = [];
      for (let seq = from; seq < from + 10; seq++) {
        for (const key of keys) messages.push({ key, value: JSON.stringify({ key, seq }) });
      }
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }

  const consumer = client('compat-consumer').consumer({ groupId });
  const received = await consumeUntil(consumer, topic, (all) => all.length >= total);

  assert.equal(received.length, total, 'no message lost or delivered twice');
  for (const key of keys) {
    const ofKey = received.filter((m) => m.key === key);
    assert.deepEqual(
      ofKey.map((m) => m.seq),
      [...Array(perKey).keys()],
      `${key} arrives complete and in order`,
    );
    assert.equal(new Set(ofKey.map((m) => m.partition)).size, 1, `${key} stays on one partition`);
  }

  // The idempotent producer wrote each message once, and the group committed up to the end.
  const expected = countPerPartition(received);
  const highWatermarks = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  for (const { partition, high } of highWatermarks) {
    const count = expected.get(partition) ?? 0;
    assert.equal(high, String(count), `partition ${partition} holds exactly what was consumed`);
    const commit = committed.partitions.find((p) => p.partition === partition);
    assert.equal(commit?.offset, count > 0 ? String(count) : '-1', `partition ${partition} committed offset`);
  }
});

test('a broker crash mid-stream loses nothing and duplicates nothing', { timeout: 180_000 }, async () => {
  const topic = `crash-${randomUUID()}`;
  const groupId = `crash-group-${randomUUID()}`;
  const keys = ['cdr-a', 'cdr-b', 'cdr-c', 'cdr-d'];
  const total = 200;
  // The outage must fit in the retries: ~30 tries, backoff capped at 1 s. kafkajs logs every
  // refused connection meanwhile, by design; keep the test output readable.
  const kafka = new Kafka({
    clientId: 'crash',
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 30 },
  });

  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }), true);

  const consumer = kafka.consumer({ groupId });
  const abort = new AbortController();
  const consuming = consumeUntil(consumer, topic, (all) => new Set(all.map(at)).size >= total, 150_000, abort.signal);

  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let restart: Promise<void> | undefined;
  try {
    await producer.connect();
    let sendError: unknown;
    try {
      for (let i = 0; i < total; i++) {
        if (i === total / 2) {
          restart = restartKafka({ kill: true });
          // The second half goes into the outage, so the producer must retry across the crash.
          await untilRefused(broker.port);
        }
        const key = keys[i % keys.length];
        const value = JSON.stringify({ key, seq: Math.floor(i / keys.length) });
        await producer.send({ topic, acks: -1, messages: [{ key, value }] });
      }
    } catch (error) {
      sendError = error;
    }
    // A failed restart explains a failed send, so it is reported first.
    await restart;
    if (sendError) throw sendError;
  } catch (error) {
    abort.abort();
    throw error;
  } finally {
    await producer.disconnect();
    await consuming.catch(() => undefined);
  }
  const received = await consuming;

  // A consumer may see a message again after a crash (at-least-once); the log must not hold it twice.
  const byOffset = new Map(received.map((m) => [at(m), m]));
  assert.equal(byOffset.size, total, 'every produced message is in the log');
  const values = new Set([...byOffset.values()].map((m) => `${m.key}:${m.seq}`));
  assert.equal(values.size, total, 'the idempotent producer wrote no duplicate across the crash');
  for (const key of keys) {
    const inLogOrder = [...byOffset.values()].filter((m) => m.key === key).sort((a, b) => a.offset - b.offset);
    assert.deepEqual(
      inLogOrder.map((m) => m.seq),
      [...Array(total / keys.length).keys()],
      `${key} is in order in the log`,
    );
  }
  const highWatermarks = await admin.fetchTopicOffsets(topic);
  assert.equal(
    highWatermarks.reduce((sum, p) => sum + Number(p.high), 0),
    total,
  );
  // The group's commits survived the crash too: it is caught up on every partition.
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  for (const { partition, high } of highWatermarks) {
    assert.equal(committed.partitions.find((p) => p.partition === partition)?.offset, high);
  }
});

function client(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: broker.brokers, logLevel: process.env.DEBUG ? logLevel.ERROR : logLevel.NOTHING });
}

/**
 * Runs the consumer with an explicit commit after each message until `done`, then disconnects
 * (also on timeout or abort: a consumer left running would keep the test process alive).
 */
async function consumeUntil(
  consumer: Consumer,
  topic: string,
  done: (received: Received[]) => boolean,
  timeoutMs = 60_000,
  signal?: AbortSignal,
): Promise<Received[]> {
  const received: Received[] = [];
  let timer: NodeJS.Timeout | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`consumed ${received.length} messages of ${topic} in ${timeoutMs} ms, not done`)),
        timeoutMs,
      );
      signal?.addEventListener('abort', () => reject(new Error('consumer aborted')));
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const { key, seq } = JSON.parse(String(message.value));
            received.push({ key, seq, partition, offset: Number(message.offset) });
            // The committed offset is the next one to read, as with every Kafka client.
            await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
            if (done(received)) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return received;
}

async function untilRefused(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    if (refused) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`127.0.0.1:${port} still accepts connections after ${timeoutMs} ms`);
}

function countPerPartition(received: Received[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const m of received) counts.set(m.partition, (counts.get(m.partition) ?? 0) + 1);
  return counts;
}

function at(m: Received): string {
  return `${m.partition}@${m.offset}`;
}

/**
 * The forwarder (event store → Kafka) against a raw kafkajs producer on the same broker, in the
 * same run: throughput (events/s) and latency from the start of an append (or a send) until a
 * consumer sees the message, p50/p99. A real broker from deploy/kafka; PostgreSQL as the store.
 * Prints figures; asserts nothing.
 *   npm run bench:kafka     (BENCH_EVENTS=20000, BENCH_SAMPLES=300, BENCH_BATCH=500 to change the sizes)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { type EventStore, openPostgresClient, type RecordedEvent, SqlEventStore } from '@roamledger/event-store';
import { EVENT_HEADERS, EventForwarder, eventMessage, eventTopics, topicOfStream } from '@roamledger/messaging';
import { type Consumer, Kafka, logLevel, type Message, Partitioners } from 'kafkajs';
import { startKafka, stopKafka } from '../test/support/kafka-broker';
import { TOPIC_MAP } from '../test/support/modules';
import { dropSchema, freshSchemaName } from '../test/support/postgres';
import { projectRoot } from '../test/support/project-root';
import { percentile } from './open-loop';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const STREAMS = ['session', 'cdr', 'partner', 'pull'].flatMap((kind) =>
  Array.from({ length: 25 }, (_, i) => `${kind}-NL-RLG-${i}`),
);

Logger.overrideLogger(['error']);
const quiet = { log: () => undefined, warn: () => undefined, error: (line: string) => console.error(line) };

const payload = () => ({
  country_code: 'NL',
  party_id: 'RLG',
  id: randomUUID(),
  kwh: 12.345,
  status: 'ACTIVE',
  total_cost: { excl_vat: 2.7, incl_vat: 3.27 },
  last_updated: new Date().toISOString(),
});
const metadata = { requestId: 'bench', correlationId: 'bench', partner: 'NL*RLG', receivedAt: new Date().toISOString() };

async function forwarderAt(store: EventStore): Promise<number> {
  return (await store.checkpoints.load('bench')) ?? -1;
}

/** A consumer of `topics` from their end, calling `seen(id, at)` for each message's id header. */
async function watch(kafka: Kafka, topics: string[], seen: (id: string, at: number) => void): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: false });
  let joined: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    joined = resolve;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    eachMessage: async ({ message }) => {
      const id = message.headers?.[EVENT_HEADERS.id]?.toString();
      if (id) seen(id, performance.now());
    },
  });
  await ready;
  // Fetch positions are taken at the first fetch after the join: let it happen.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return consumer;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('bench timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Append one event at a time, paced, and time each from the append's start until a consumer sees it. */
async function appendLatency(store: EventStore, arrivals: Map<string, number>): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const id = randomUUID();
    const started = performance.now();
    await store.append(STREAMS[i % STREAMS.length], [{ id, type: 'SessionUpdated', data: payload(), metadata }]);
    await until(() => arrivals.has(id), 30_000);
    latencies.push((arrivals.get(id) ?? 0) - started);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return latencies.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const broker = await startKafka();
  const schema = freshSchemaName('rl_bench_kafka');
  const store = await SqlEventStore.open('postgres', await openPostgresClient({ connectionString: DATABASE_URL, schema }));
  const prefix = `bench${randomUUID().slice(0, 6)}.`;
  const settings = { brokers: broker.brokers, clientId: 'bench', topicPrefix: prefix };
  const kafka = new Kafka({ clientId: 'bench', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const topics = eventTopics(prefix, TOPIC_MAP);
  const rows: Array<[string, number, number[], number[]?]> = [];
  let child: ChildProcess | undefined;
  try {
    // Warm-up: the forwarder creates the topics (the raw producer then finds them too).
    await store.append('pull-warm-up', [{ type: 'WarmedUp', data: {} }]);
    const warmUp = new EventForwarder({ store, kafka: settings, checkpointName: 'bench', topicMap: TOPIC_MAP, log: quiet });
    warmUp.start();
    const warmHead = await store.headPosition();
    await until(async () => (await forwarderAt(store)) === warmHead);
    await warmUp.stop();

    // The backlog first, then the forwarder catches up with it: its throughput.
    for (let i = 0; i < EVENTS / 100; i++) {
      const events = Array.from({ length: 100 }, () => ({ type: 'SessionUpdated', data: payload(), metadata }));
      await store.append(STREAMS[i % STREAMS.length], events);
    }
    const head = await store.headPosition();
    const log: RecordedEvent[] = await store.readAll({ fromPosition: warmHead + 1, maxCount: EVENTS });
    const bytes = log.reduce((sum, event) => sum + JSON.stringify(event).length, 0) / log.length;

    const forwarder = new EventForwarder({
      store,
      kafka: settings,
      checkpointName: 'bench',
      topicMap: TOPIC_MAP,
      batchSize: BATCH,
      log: quiet,
    });
    let started = performance.now();
    forwarder.start();
    await until(() => forwarder.status().position === head);
    const forwarderRate = EVENTS / ((performance.now() - started) / 1000);

    // Live: appends one by one while the forwarder runs in this process (woken by the append).
    const arrivals = new Map<string, number>();
    const watcher = await watch(kafka, topics, (id, at) => arrivals.set(id, at));
    const inProcess = await appendLatency(store, arrivals);
    await forwarder.stop();
    rows.push(['forwarder, same process as the appends', forwarderRate, inProcess]);

    // The forwarder in a process of its own, as in service mode: it learns of appends by polling.
    const root = projectRoot();
    child = spawn(
      process.execPath,
      ['-r', path.join(root, 'tsconfig-paths-dist.js'), path.join(root, 'dist/test/messaging/forwarder-process.js')],
      {
        env: {
          ...process.env,
          DATABASE_URL,
          EVENT_STORE_SCHEMA: schema,
          KAFKA_BROKERS: broker.brokers.join(','),
          KAFKA_TOPIC_PREFIX: prefix,
          FORWARDER_CHECKPOINT: 'bench',
          FORWARDER_BATCH_SIZE: String(BATCH),
        },
        stdio: 'ignore',
      },
    );
    const polled = await appendLatency(store, arrivals);
    rows.push(['forwarder, separate process (woken by NOTIFY)', Number.NaN, polled]);

    // The same messages by a raw idempotent producer, same batch size, same topics and keys.
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const messagesOf = (events: RecordedEvent[]) => {
      const byTopic = new Map<string, Message[]>();
      for (const event of events) {
        const topic = topicOfStream(event.stream, prefix, TOPIC_MAP);
        byTopic.set(topic, [
          ...(byTopic.get(topic) ?? []),
          // The forwarder's message, headers and all, but no watermarks and kafkajs's own partitioner.
          { ...eventMessage({ ...event, id: `raw-${event.id}` }, 0), partition: undefined },
        ]);
      }
      return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    };
    started = performance.now();
    for (let from = 0; from < log.length; from += BATCH) {
      await producer.sendBatch({ acks: -1, topicMessages: messagesOf(log.slice(from, from + BATCH)) });
    }
    const rawRate = log.length / ((performance.now() - started) / 1000);
    const raw: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const event = { ...log[i], id: randomUUID() };
      const sentAt = performance.now();
      await producer.sendBatch({ acks: -1, topicMessages: messagesOf([event]) });
      await until(() => arrivals.has(`raw-${event.id}`), 30_000);
      raw.push((arrivals.get(`raw-${event.id}`) ?? 0) - sentAt);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await producer.disconnect();
    await watcher.disconnect();
    rows.push(['raw kafkajs producer (send → seen)', rawRate, raw.sort((a, b) => a - b)]);

    console.log(
      `Kafka 4.4.0 (deploy/kafka) on ${broker.brokers[0]}, 4 topics x 3 partitions; PostgreSQL store; ` +
        `${EVENTS} events of ~${Math.round(bytes)} bytes, batches of ${BATCH}; ${SAMPLES} latency samples`,
    );
    console.log('');
    console.log(`${'path'.padEnd(48)} ${'events/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
    for (const [name, rate, latencies] of rows) {
      console.log(
        `${name.padEnd(48)} ${(Number.isNaN(rate) ? '-' : Math.round(rate).toString()).padStart(10)} ` +
          `${percentile(latencies, 50).toFixed(1).padStart(8)} ${percentile(latencies, 99).toFixed(1).padStart(8)}`,
      );
    }
    console.log('');
    console.log('Latency: from the start of store.append (forwarder) or producer.send (raw) until a consumer has the message.');
  } finally {
    child?.kill('SIGKILL');
    await store.close();
    await dropSchema(schema);
    await stopKafka();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

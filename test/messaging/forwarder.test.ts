// The forwarder on a real Kafka broker (deploy/kafka) and PostgreSQL: 10,000 events through a
// broker crash, a SIGKILLed forwarder that resumes from its checkpoint, and the topics read
// back in log order by KafkaLogSubscription.
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { type EventStore, openPostgresClient, type RecordedEvent, SqlEventStore } from '@roamledger/event-store';
import {
  EVENT_HEADERS,
  EventForwarder,
  eventTopics,
  ForwarderLease,
  KafkaLogSubscription,
  type MessagingLog,
  readLogMessage,
  SeenRevisions,
  topicOfStream,
  WATERMARK_KEY,
} from '@roamledger/messaging';
import { type KafkaBroker, startKafka, stopKafka } from '../support/kafka-broker';
import { TOPIC_MAP } from '../support/modules';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';
import { type ForwarderProcess, startForwarderProcess } from './forwarder-child';
import { readTopics, readTopicsThrough, type StoredMessage } from './topic-reader';

const PREFIX = `rl${randomUUID().slice(0, 8)}.`;
const CHECKPOINT = 'kafka-forwarder-test';
const STREAMS = ['session', 'cdr', 'partner', 'pull'].flatMap((kind) =>
  Array.from({ length: 10 }, (_, i) => `${kind}-NL-RLG-${kind.toUpperCase()}${i}`),
);

let broker: KafkaBroker;
let schema: string;
let store: EventStore;
const kafka = () => ({ brokers: broker.brokers, clientId: 'forwarder-test', topicPrefix: PREFIX });

before(
  async () => {
    broker = await startKafka();
    schema = freshSchemaName('rl_kafka');
    store = await SqlEventStore.open('postgres', await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema }));
  },
  { timeout: 6 * 60_000 },
);

after(async () => {
  await store?.close();
  if (schema) await dropSchema(schema);
  await stopKafka();
});

/** `count` appends of 100 events each, the streams taking turns. */
async function appendEvents(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const stream = STREAMS[i % STREAMS.length];
    await store.append(
      stream,
      Array.from({ length: 100 }, (_, n) => ({
        type: 'Tested',
        data: { n, note: 'an event as big as a small OCPI object, give or take'.repeat(3) },
      })),
    );
  }
}

function collectingLog(lines: string[]): MessagingLog {
  const keep = (message: string) => {
    lines.push(message);
  };
  return { log: keep, warn: keep, error: keep };
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every stored message of the event topics, once `ids` all appear among them. */
async function readAllMessages(ids: Set<string>): Promise<StoredMessage[]> {
  const seen = new Set<string>();
  let checked = 0;
  return readTopics(broker.brokers, eventTopics(PREFIX, TOPIC_MAP), (messages) => {
    for (; checked < messages.length; checked++) {
      const id = messages[checked].headers[EVENT_HEADERS.id];
      if (id && ids.has(id)) seen.add(id);
    }
    return seen.size === ids.size;
  });
}

/** The events of the stored messages, partition by partition in offset order, copies included. */
function eventsByPartition(messages: StoredMessage[]): RecordedEvent[][] {
  const partitions = new Map<string, StoredMessage[]>();
  for (const message of messages) {
    const key = `${message.topic}/${message.partition}`;
    const ofPartition = partitions.get(key) ?? [];
    partitions.set(key, ofPartition);
    ofPartition.push(message);
  }
  return [...partitions.values()].map((ofPartition) =>
    ofPartition
      .sort((a, b) => a.offset - b.offset)
      .flatMap((m) => {
        const { event } = readLogMessage({ headers: m.headers, value: m.value === null ? null : Buffer.from(m.value) });
        return event ? [event] : [];
      }),
  );
}

test('10,000 events reach Kafka in stream order per key, through a broker crash, with no gap', { timeout: 240_000 }, async () => {
  const lines: string[] = [];
  const forwarder = new EventForwarder({
    store,
    kafka: kafka(),
    checkpointName: CHECKPOINT,
    topicMap: TOPIC_MAP,
    log: collectingLog(lines),
  });
  forwarder.start();
  let restart: Promise<void> | undefined;
  let appendsDone = 0;
  let restartDone = 0;
  try {
    // The broker dies while the forwarder is publishing; appends go on while it is down.
    await appendEvents(20);
    await until(() => forwarder.status().position >= 500, 60_000, 'the forwarder to get going');
    restart = broker.restart({ kill: true }).then(() => {
      restartDone = Date.now();
    });
    await appendEvents(80);
    appendsDone = Date.now();
    await restart;
    const head = await store.headPosition();
    await until(() => forwarder.status().position === head, 120_000, `the forwarder to publish up to ${head}`);
  } finally {
    await forwarder.stop();
  }
  assert.ok(appendsDone < restartDone, 'every append was answered while the broker was still down');
  assert.ok(
    lines.some((line) => line.startsWith('Kafka unavailable') || line.startsWith('Kafka has not acknowledged')),
    `the outage is logged: ${lines.join(' | ')}`,
  );
  assert.ok(lines.some((line) => line.startsWith('Kafka is back')));
  for (const line of lines.filter((l) => l.includes('Kafka'))) console.log(`# forwarder: ${line}`);

  const events = await store.readAll();
  assert.equal(events.length, 10_000);
  const messages = await readAllMessages(new Set(events.map((e) => e.id)));
  const partitions = eventsByPartition(messages);

  // In each partition, each stream's events in order: copies of a re-sent batch only repeat
  // what came before, so dropping them leaves every revision once, none missing.
  const seen = new SeenRevisions();
  let copies = 0;
  for (const partition of partitions) {
    const fresh = seen.claim(partition);
    copies += partition.length - fresh.length;
  }
  for (const stream of STREAMS) {
    const count = events.filter((e) => e.stream === stream).length;
    assert.equal(seen.lastRevision(stream), count - 1, `${stream}: revisions 0..${count - 1}, no gap`);
  }
  console.log(`# ${messages.length} messages, ${copies} copies of events re-sent after the crash (dropped by SeenRevisions)`);

  // Topic by module, key = stream, headers = the event's identity and place in the log.
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const message of messages) {
    const id = message.headers[EVENT_HEADERS.id];
    if (!id) {
      // A watermark, and no tombstone: a key and a value all the same.
      assert.match(message.headers[EVENT_HEADERS.through], /^\d+$/);
      assert.equal(message.key, WATERMARK_KEY);
      assert.deepEqual(JSON.parse(String(message.value)), { log_through: Number(message.headers[EVENT_HEADERS.through]) });
      continue;
    }
    const event = byId.get(id);
    assert.ok(event, `message ${id} is an event of the store`);
    assert.equal(message.topic, topicOfStream(event.stream, PREFIX, TOPIC_MAP));
    assert.equal(message.key, event.stream);
    assert.deepEqual(
      [
        message.headers[EVENT_HEADERS.type],
        message.headers[EVENT_HEADERS.stream],
        message.headers[EVENT_HEADERS.revision],
        message.headers[EVENT_HEADERS.position],
        message.headers[EVENT_HEADERS.hash],
      ],
      [event.type, event.stream, String(event.revision), String(event.position), event.hash],
    );
    assert.deepEqual(JSON.parse(message.value ?? ''), event);
  }
});

test('a SIGKILLed forwarder resumes from its checkpoint', { timeout: 180_000 }, async () => {
  const before = await store.headPosition();
  assert.equal(await store.checkpoints.load(CHECKPOINT), before, 'the first test left the checkpoint at the head');
  await appendEvents(50);
  const head = await store.headPosition();

  const first = startForwarder();
  try {
    await until(async () => ((await store.checkpoints.load(CHECKPOINT)) ?? -1) >= before + 1000, 60_000, 'some progress');
  } finally {
    await stopProcess(first.process, 'SIGKILL');
  }
  const killedAt = (await store.checkpoints.load(CHECKPOINT)) ?? -1;
  assert.ok(killedAt < head, 'killed before it was done');

  const second = startForwarder();
  try {
    await until(async () => (await store.checkpoints.load(CHECKPOINT)) === head, 60_000, 'the restarted forwarder to catch up');
  } finally {
    await stopProcess(second.process, 'SIGTERM');
  }
  assert.ok(
    first.lines.some((line) => line.includes(`after position ${before} `)),
    `first run starts after ${before}: ${first.lines}`,
  );
  assert.ok(
    second.lines.some((line) => line.includes(`after position ${killedAt} `)),
    `second run resumes after ${killedAt}: ${second.lines}`,
  );

  // Every event of this phase is on Kafka once: a batch the killed process committed without
  // checkpointing it is not sent again (the next producer reads how far Kafka holds the log).
  const events = await store.readAll({ fromPosition: before + 1 });
  const messages = await readAllMessages(new Set(events.map((e) => e.id)));
  const counts = new Map<string, number>();
  for (const message of messages) {
    const id = message.headers[EVENT_HEADERS.id];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const copied = events.filter((e) => (counts.get(e.id) ?? 0) > 1);
  assert.ok(
    copied.every((e) => e.position > killedAt),
    'nothing at or before the checkpoint was published again',
  );
  assert.equal(copied.length, 0, `no event published twice, got ${copied.length}`);
  assert.ok(
    events.every((e) => counts.has(e.id)),
    'every event is on Kafka',
  );
});

test('KafkaLogSubscription reads the topics back in log order, without copies, and resumes after its checkpoint', {
  timeout: 120_000,
}, async () => {
  const events = await store.readAll();
  // A forwarder checkpoint restored from an older backup, and Kafka's own record of how far it
  // holds the log not found (another transactional id): the last 1,000 events go out again.
  const head = events[events.length - 1].position;
  await store.checkpoints.save(CHECKPOINT, events[events.length - 1001].position);
  const again = new EventForwarder({
    store,
    kafka: kafka(),
    checkpointName: CHECKPOINT,
    topicMap: TOPIC_MAP,
    log: collectingLog([]),
    transactionalId: `${PREFIX}copies`,
  });
  again.start();
  try {
    await until(() => again.status().position === head, 60_000, 'the copies to be published');
  } finally {
    await again.stop();
  }
  assert.equal(again.status().published, 1000);

  const name = `ordered-${randomUUID()}`;
  const subscribe = () =>
    new KafkaLogSubscription(
      store,
      { checkpointName: name, fromPosition: 0 },
      { kafka: kafka(), topicMap: TOPIC_MAP, catchUpFromStore: false },
    );
  const half = Math.floor(events.length / 2);
  const positions: number[] = [];

  const first = subscribe();
  try {
    for await (const event of first) {
      positions.push(event.position);
      if (positions.length % 1000 === 0 || positions.length === half) await first.checkpoint(event.position);
      if (positions.length === half) break;
    }
  } finally {
    await first.close();
  }
  const second = subscribe();
  try {
    for await (const event of second) {
      positions.push(event.position);
      if (positions.length === events.length) break;
    }
  } finally {
    await second.close();
  }
  assert.deepEqual(
    positions,
    events.map((e) => e.position),
  );
});

/** The process's state letter from /proc (T: stopped). */
function processState(child: ChildProcess): string {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return '?';
  }
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** A forwarder process on this file's store, broker and checkpoint. */
function startForwarder(env: Record<string, string> = {}): ForwarderProcess {
  return startForwarderProcess({
    EVENT_STORE_SCHEMA: schema,
    KAFKA_BROKERS: broker.brokers.join(','),
    KAFKA_TOPIC_PREFIX: PREFIX,
    FORWARDER_CHECKPOINT: CHECKPOINT,
    FORWARDER_BATCH_SIZE: '100',
    ...env,
  });
}

test('the forwarder lease: one holder at a time, handed over when it leaves', { timeout: 90_000 }, async () => {
  const held: string[] = [];
  const lease = (name: string) =>
    new ForwarderLease(
      kafka(),
      {
        acquired: () => {
          held.push(`+${name}`);
        },
        released: () => {
          held.push(`-${name}`);
        },
      },
      collectingLog([]),
    );
  const first = lease('first');
  const second = lease('second');
  const started = Date.now();
  try {
    first.start();
    await until(() => first.held, 30_000, 'the first to hold the lease');
    console.log(`# lease: the first holds it after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    second.start();
    // The second joins and stands by: the lease stays where it is (a sticky assignment).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.deepEqual([first.held, second.held], [true, false]);
    const stopping = Date.now();
    await first.stop();
    await until(() => second.held, 30_000, 'the second to take over');
    console.log(`# lease: handed over ${((Date.now() - stopping) / 1000).toFixed(1)} s after the first stopped`);
  } finally {
    await first.stop();
    await second.stop();
  }
  assert.deepEqual(held, ['+first', '-first', '+second', '-second']);
});

test('a paused forwarder cannot publish once another has taken over: Kafka fences its producer', {
  timeout: 300_000,
}, async () => {
  const before = await store.headPosition();
  assert.equal(await store.checkpoints.load(CHECKPOINT), before, 'the earlier tests left the checkpoint at the head');
  await appendEvents(60);
  const head = await store.headPosition();

  // The former lease holder stops itself (SIGSTOP) with its 11th batch about to be sent: past the
  // checkpoint fence, so only Kafka can stop it now.
  const paused = startForwarder({ FORWARDER_PAUSE_AT_BATCH: '11' });
  let fencedLines: string[] = [];
  try {
    await until(() => processState(paused.process) === 'T', 120_000, 'the forwarder to pause at its 11th batch');
    const pausedAt = (await store.checkpoints.load(CHECKPOINT)) ?? -1;
    assert.ok(pausedAt > before && pausedAt < head, `paused with some batches published (${pausedAt - before} events)`);

    // Another takes over and publishes everything (its producer's new epoch fences the paused one).
    const next = new EventForwarder({
      store,
      kafka: kafka(),
      checkpointName: CHECKPOINT,
      topicMap: TOPIC_MAP,
      log: collectingLog([]),
    });
    next.start();
    try {
      await until(async () => (await store.checkpoints.load(CHECKPOINT)) === head, 120_000, 'the new forwarder to catch up');
    } finally {
      await next.stop();
    }

    // The paused one wakes up, mid-batch: it may neither commit that batch nor move the checkpoint back.
    paused.process.kill('SIGCONT');
    await until(() => paused.lines.some((line) => /fenced/.test(line)), 60_000, 'the woken forwarder to find itself fenced');
    assert.ok(
      paused.lines.some((line) => line.startsWith('fenced by Kafka')),
      `Kafka refused its batch: ${paused.lines.join(' | ')}`,
    );
    // Past its pause after a fencing (5 s): it follows on from the checkpoint, where nothing is left.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    fencedLines = paused.lines.filter((line) => /fenced/.test(line));
    assert.equal(await store.checkpoints.load(CHECKPOINT), head, 'the checkpoint did not move back');
  } finally {
    await stopProcess(paused.process, 'SIGKILL');
  }

  // A last event through a fresh forwarder: its batch marks every partition, so reading every
  // partition up to that mark reads whatever the woken one could have committed.
  const marker = await store.append('pull-NL-RLG-MARKER', [{ type: 'Tested', data: { marker: true } }]);
  const last = new EventForwarder({
    store,
    kafka: kafka(),
    checkpointName: CHECKPOINT,
    topicMap: TOPIC_MAP,
    log: collectingLog([]),
  });
  last.start();
  try {
    await until(() => last.status().position === marker.position, 60_000, 'the marker to be published');
  } finally {
    await last.stop();
  }
  const topics = eventTopics(PREFIX, TOPIC_MAP);
  const messages = await readTopicsThrough(broker.brokers, topics, marker.position);
  const events = await store.readAll({ fromPosition: before + 1, maxCount: head - before });
  const counts = new Map<string, number>();
  for (const message of messages) {
    const id = message.headers[EVENT_HEADERS.id];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  assert.ok(
    events.every((e) => counts.has(e.id)),
    'every event is on Kafka',
  );
  // It paused with everything before its batch checkpointed, and its batch never got in: no copies
  // (with the checkpoint check alone, it would have published that batch a second time).
  const copied = events.filter((e) => (counts.get(e.id) ?? 0) > 1);
  assert.equal(copied.length, 0, `${copied.length} events published twice`);
  console.log(`# fencing: ${copied.length} copies; the woken forwarder said: ${fencedLines.join(' | ')}`);
});

test("Kafka's record of how far it holds the log is ignored when the store does not bear it out (a store restored from a backup)", {
  timeout: 90_000,
}, async () => {
  // Another store behind the same forwarder name: Kafka says the log is published far beyond its head.
  const otherSchema = freshSchemaName('rl_kafka_restored');
  const other = await SqlEventStore.open(
    'postgres',
    await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema: otherSchema }),
  );
  const lines: string[] = [];
  try {
    await other.append('pull-NL-RLG-RESTORED', [
      { type: 'Tested', data: { n: 1 } },
      { type: 'Tested', data: { n: 2 } },
    ]);
    const forwarder = new EventForwarder({
      store: other,
      kafka: kafka(),
      checkpointName: CHECKPOINT,
      topicMap: TOPIC_MAP,
      log: collectingLog(lines),
    });
    forwarder.start();
    try {
      await until(() => forwarder.status().position === 1, 60_000, 'the restored store to be published');
    } finally {
      await forwarder.stop();
    }
    assert.equal(forwarder.status().published, 2, 'nothing skipped');
    assert.ok(
      lines.some((line) => line.includes('does not bear out')),
      lines.join(' | '),
    );
  } finally {
    await other.close();
    await dropSchema(otherSchema);
  }
});

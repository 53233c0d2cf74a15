// Issue 15, item 9: a paused lease holder must not publish the log a second time. Two forwarder
// processes as services run them (each forwards only while it holds the lease), a real broker and
// PostgreSQL. The holder stops itself (SIGSTOP) just after Kafka committed a batch and before it
// saved the checkpoint, the other takes the lease and the log over; woken, the first finds itself
// fenced. Then the holder of the moment is SIGSTOPped from outside for 20 s while appends go on.
// Every event must be on the topics exactly once: none lost, no copy (counted by event id).
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { type EventStore, openPostgresClient, SqlEventStore } from '@roamledger/event-store';
import {
  DEFAULT_FORWARDER_CHECKPOINT,
  EVENT_HEADERS,
  EventForwarder,
  eventTopics,
  type MessagingLog,
} from '@roamledger/messaging';
import { type KafkaBroker, startKafka, stopKafka } from '../support/kafka-broker';
import { TOPIC_MAP } from '../support/modules';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';
import { type ForwarderProcess, startForwarderProcess } from './forwarder-child';
import { readTopicsThrough } from './topic-reader';

const PREFIX = `rl${randomUUID().slice(0, 8)}.`;
const STREAMS = ['session', 'cdr', 'partner'].flatMap((kind) =>
  Array.from({ length: 5 }, (_, i) => `${kind}-NL-RLG-${kind.toUpperCase()}${i}`),
);
const HOLDS = 'this process holds the forwarder lease';
const READY = 'forwarder process ready';

let broker: KafkaBroker;
let schema: string;
let store: EventStore;

before(
  async () => {
    broker = await startKafka();
    schema = freshSchemaName('rl_fencing');
    store = await SqlEventStore.open('postgres', await openPostgresClient({ connectionString: TEST_DATABASE_URL, schema }));
  },
  { timeout: 150_000 },
);

after(async () => {
  await store?.close();
  if (schema) await dropSchema(schema);
  await stopKafka();
});

let appended = 0;
/** `count` appends of 100 events each, the streams taking turns. */
async function appendEvents(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const stream = STREAMS[appended++ % STREAMS.length];
    await store.append(
      stream,
      Array.from({ length: 100 }, (_, n) => ({ type: 'Tested', data: { n, note: 'an event of a few hundred bytes'.repeat(4) } })),
    );
  }
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A forwarder process under the lease, named for the test's messages. */
function startForwarder(name: string, env: Record<string, string> = {}): ForwarderProcess & { name: string } {
  const forwarder = startForwarderProcess({
    EVENT_STORE_SCHEMA: schema,
    KAFKA_BROKERS: broker.brokers.join(','),
    KAFKA_TOPIC_PREFIX: PREFIX,
    FORWARDER_CHECKPOINT: DEFAULT_FORWARDER_CHECKPOINT,
    FORWARDER_BATCH_SIZE: '100',
    FORWARDER_LEASE: '1',
    ...env,
  });
  return { name, ...forwarder };
}

/** Whether the process holds the lease by its own last word on it. */
function holds(forwarder: ForwarderProcess): boolean {
  const said = forwarder.lines.filter((line) => line.startsWith(HOLDS) || line.startsWith('forwarder lease released'));
  return said.at(-1)?.startsWith(HOLDS) ?? false;
}

/** R running, S sleeping, T stopped (Linux /proc). */
function processState(child: ChildProcess): string {
  try {
    return readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? '?';
  } catch {
    return 'gone';
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

const checkpoint = async () => (await store.checkpoints.load(DEFAULT_FORWARDER_CHECKPOINT)) ?? -1;
const caughtUp = async () => (await checkpoint()) === (await store.headPosition());

test('a paused lease holder publishes nothing twice: two forwarder processes, SIGSTOP, every event once on Kafka', {
  timeout: 170_000,
}, async () => {
  const started = Date.now();
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  // The first stops itself with its 5th batch committed in Kafka and not yet checkpointed.
  const first = startForwarder('first', { FORWARDER_PAUSE_AFTER_BATCH: '5' });
  const both = [first];
  const notes: string[] = [];
  try {
    await until(() => holds(first), 90_000, 'the first to hold the lease');
    // The second joins the group and stands by (the lease is sticky) before any event exists.
    const second = startForwarder('second');
    both.push(second);
    await until(() => second.lines.includes(READY), 60_000, 'the second to start');
    await sleep(3_000);
    assert.equal(holds(second), false, 'one holder at a time');

    await appendEvents(15);
    await until(() => processState(first.process) === 'T', 60_000, 'the first to pause after its 5th batch');
    const pausedAt = await checkpoint();
    notes.push(`first paused at ${seconds()}, checkpoint ${pausedAt} (its 5th batch committed in Kafka only)`);

    // Its session expires: the second takes the lease, fences the first's producer, carries on.
    await until(() => holds(second), 60_000, 'the second to take the lease');
    notes.push(`second holds the lease at ${seconds()}`);
    await until(caughtUp, 60_000, 'the second to publish the backlog');

    // The first wakes up just after its commit, while appends go on: it must neither send again
    // nor move the checkpoint back; the group settles on one holder again.
    first.process.kill('SIGCONT');
    await appendEvents(5);
    await until(() => first.lines.some((line) => /fenced/.test(line)), 30_000, 'the woken first to find itself fenced');
    await until(() => holds(first) !== holds(second), 30_000, 'one holder again');
    await sleep(6_000); // past a fenced forwarder's pause (5 s): whatever it does next, it does now
    await until(caughtUp, 60_000, 'the log to be published again');
    notes.push(`after the wake-up at ${seconds()}: ${holds(first) ? 'first' : 'second'} holds the lease`);

    // The holder of the moment is paused from outside for 20 s (the scenario) while
    // appends go on; the other takes over; then it is woken.
    const holder = holds(first) ? first : second;
    const other = holder === first ? second : first;
    holder.process.kill('SIGSTOP');
    const stoppedAt = Date.now();
    const appending = appendEvents(10);
    await until(() => holds(other), 60_000, `the ${other.name} to take the lease from the paused ${holder.name}`);
    notes.push(`${holder.name} SIGSTOPped; ${other.name} holds the lease at ${seconds()}`);
    await sleep(Math.max(0, stoppedAt + 20_000 - Date.now()));
    holder.process.kill('SIGCONT');
    await appending;
    await appendEvents(5);
    await sleep(6_000);
    await until(caughtUp, 60_000, 'the log to be published after the second pause');
    notes.push(`caught up at ${seconds()}; ${both.filter(holds).map((f) => f.name)} holds the lease`);
    assert.ok((await checkpoint()) >= pausedAt, 'the checkpoint never moved back');
  } finally {
    await Promise.all(both.map((f) => stopProcess(f.process)));
  }
  const head = await store.headPosition();

  // A last event through a fresh forwarder: its batch marks every partition, so reading every
  // partition up to that mark reads whatever either process could have committed.
  const marker = await store.append('pull-NL-RLG-MARKER', [{ type: 'Tested', data: { marker: true } }]);
  const quiet: MessagingLog = { log: () => undefined, warn: () => undefined, error: () => undefined };
  const last = new EventForwarder({
    store,
    kafka: { brokers: broker.brokers, clientId: 'fencing-test', topicPrefix: PREFIX },
    topicMap: TOPIC_MAP,
    log: quiet,
  });
  last.start();
  try {
    await until(() => last.status().position === marker.position, 60_000, 'the marker to be published');
  } finally {
    await last.stop();
  }
  const topics = eventTopics(PREFIX, TOPIC_MAP);
  const messages = await readTopicsThrough(broker.brokers, topics, marker.position);
  // Where each event sits on the topics, copies included: adjacent offsets in one partition are
  // one producer sending twice; far apart, two producers.
  const copies = new Map<string, string[]>();
  for (const message of messages) {
    const id = message.headers[EVENT_HEADERS.id];
    if (id) copies.set(id, [...(copies.get(id) ?? []), `${message.topic}[${message.partition}]@${message.offset}`]);
  }
  const events = await store.readAll({ maxCount: head + 1 });
  assert.equal(events.length, appended * 100);
  const lost = events.filter((e) => !copies.has(e.id));
  const copied = events.filter((e) => (copies.get(e.id)?.length ?? 0) > 1);
  notes.push(`${events.length} events read back from ${messages.length} messages at ${seconds()}`);
  for (const note of notes) console.log(`# fencing: ${note}`);
  for (const f of both)
    for (const line of f.lines.filter((l) => /fenced|in Kafka already|lease|forwarding the event log/.test(l)))
      console.log(`# ${f.name}: ${line}`);
  console.log(`# fencing: ${events.length} events, ${lost.length} lost, ${copied.length} on Kafka twice, in ${seconds()}`);
  if (copied.length > 0) {
    const positions = copied.map((e) => e.position);
    console.log(
      `# fencing: copies of positions ${Math.min(...positions)}–${Math.max(...positions)}; the first at ${copies.get(copied[0].id)?.join(', ')}`,
    );
  }
  assert.equal(lost.length, 0, 'every event is on Kafka');
  assert.equal(copied.length, 0, 'no event is on Kafka twice');
  assert.ok(
    first.lines.some((line) => /fenced/.test(line)),
    `the first was fenced after its pause: ${first.lines.join(' | ')}`,
  );
});

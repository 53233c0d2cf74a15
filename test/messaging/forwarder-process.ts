// A forwarder in a process of its own, for tests that SIGKILL or SIGSTOP it. Reads its settings
// from the environment; prints each log line as JSON on stdout. With FORWARDER_LEASE=1 it forwards
// only while it holds the forwarder lease, as a service does (KafkaPublication).
import { Logger } from '@nestjs/common';
import { openPostgresClient, SqlEventStore } from '@roamledger/event-store';
import { EventForwarder, ForwarderLease, type MessagingLog } from '@roamledger/messaging';
import { TOPIC_MAP } from '../support/modules';

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const store = await SqlEventStore.open(
    'postgres',
    await openPostgresClient({ connectionString: env('DATABASE_URL'), schema: env('EVENT_STORE_SCHEMA') }),
  );
  const line = (level: string) => (message: string) => process.stdout.write(`${JSON.stringify({ level, message })}\n`);
  const log: MessagingLog = { log: line('log'), warn: line('warn'), error: line('error') };
  let sending = 0;
  let published = 0;
  const kafka = {
    brokers: env('KAFKA_BROKERS').split(','),
    clientId: 'forwarder-process',
    topicPrefix: env('KAFKA_TOPIC_PREFIX'),
  };
  const forwarder = new EventForwarder({
    store,
    kafka,
    topicMap: TOPIC_MAP,
    checkpointName: env('FORWARDER_CHECKPOINT'),
    batchSize: Number(process.env.FORWARDER_BATCH_SIZE ?? 500),
    log,
    // FORWARDER_PAUSE_AT_BATCH=n: the process stops itself (SIGSTOP) as its n-th batch has passed
    // the checkpoint fence, about to be sent: the paused former lease holder of the fencing test.
    onSending: () => {
      if (++sending === Number(process.env.FORWARDER_PAUSE_AT_BATCH)) process.kill(process.pid, 'SIGSTOP');
    },
    // FORWARDER_PAUSE_AFTER_BATCH=n: it stops itself once Kafka has committed its n-th batch, before
    // saving the checkpoint: the window a checkpoint check cannot see.
    onPublished: () => {
      if (++published === Number(process.env.FORWARDER_PAUSE_AFTER_BATCH)) process.kill(process.pid, 'SIGSTOP');
    },
  });
  const lease =
    process.env.FORWARDER_LEASE === '1'
      ? new ForwarderLease(kafka, { acquired: () => forwarder.start(), released: () => forwarder.stop() }, log)
      : undefined;
  if (lease) lease.start();
  else forwarder.start();
  log.log('forwarder process ready');
  process.once('SIGTERM', async () => {
    await lease?.stop();
    await forwarder.stop();
    await store.close();
    process.exit(0);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

// A forwarder in a process of its own, for tests that SIGKILL it. Reads its settings from the
// environment; prints each log line as JSON on stdout.
import { Logger } from '@nestjs/common';
import { openPostgresClient, SqlEventStore } from '@roamledger/event-store';
import { EventForwarder, type MessagingLog } from '@roamledger/messaging';
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
  const forwarder = new EventForwarder({
    store,
    kafka: { brokers: env('KAFKA_BROKERS').split(','), clientId: 'forwarder-process', topicPrefix: env('KAFKA_TOPIC_PREFIX') },
    topicMap: TOPIC_MAP,
    checkpointName: env('FORWARDER_CHECKPOINT'),
    batchSize: Number(process.env.FORWARDER_BATCH_SIZE ?? 500),
    log,
    // FORWARDER_PAUSE_AT_BATCH=n: the process stops itself (SIGSTOP) as its n-th batch has passed
    // the checkpoint fence, about to be sent: the paused former lease holder of the fencing test.
    onSending: () => {
      if (++sending === Number(process.env.FORWARDER_PAUSE_AT_BATCH)) process.kill(process.pid, 'SIGSTOP');
    },
  });
  forwarder.start();
  process.once('SIGTERM', async () => {
    await forwarder.stop();
    await store.close();
    process.exit(0);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

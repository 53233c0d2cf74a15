import { Logger } from '@nestjs/common';
import { Kafka, type LogEntry, logLevel } from 'kafkajs';

/** The Kafka settings of RoamledgerConfig (KAFKA_BROKERS, KAFKA_CLIENT_ID, KAFKA_TOPIC_PREFIX). */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  topicPrefix: string;
}

/** Where messaging writes its own lines; Nest's Logger by default. */
export interface MessagingLog {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

/**
 * A kafkajs client whose own log goes to debug: it logs every refused connection of an outage
 * at ERROR, while the forwarder and consumers say once, in their own words, what is going on.
 */
export function createKafka(settings: KafkaSettings, clientSuffix: string): Kafka {
  const logger = new Logger(`kafkajs:${clientSuffix}`);
  return new Kafka({
    clientId: `${settings.clientId}-${clientSuffix}`,
    brokers: settings.brokers,
    connectionTimeout: 3_000,
    // A short budget per attempt (about 2 s): the callers retry with their own backoff and can
    // stop between attempts, where a long kafkajs retry would hold up a shutdown.
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 3 },
    logLevel: logLevel.INFO,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        if (level <= logLevel.WARN) logger.debug(`${log.message}${log.error ? `: ${String(log.error)}` : ''}`);
      },
  });
}

/** Resolves after `ms`, or at once when `signal` fires. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Whether `work` settled within `ms` (it keeps running either way). */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const timeout = new AbortController();
  const settled = work.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, pause(ms, timeout.signal).then(() => false)]);
  } finally {
    timeout.abort();
  }
}

export function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error && !error.message.includes(cause.message) ? `${error.message} (${cause.message})` : error.message;
}

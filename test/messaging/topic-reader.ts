// Reads Kafka topics from the beginning with a throwaway consumer group, message by message as
// stored (copies included), until a condition holds.
import { randomUUID } from 'node:crypto';
import { EVENT_HEADERS } from '@roamledger/messaging';
import { type IHeaders, Kafka, logLevel } from 'kafkajs';

export interface StoredMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  headers: Record<string, string>;
  value: string | null;
}

export async function readTopics(
  brokers: string[],
  topics: string[],
  done: (messages: StoredMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<StoredMessage[]> {
  const consumer = new Kafka({ clientId: 'topic-reader', brokers, logLevel: logLevel.NOTHING }).consumer({
    groupId: `topic-reader-${randomUUID()}`,
    maxWaitTimeInMs: 250,
  });
  const messages: StoredMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`read ${messages.length} messages in ${timeoutMs} ms, not done`)), timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              messages.push({
                topic: batch.topic,
                partition: batch.partition,
                offset: Number(message.offset),
                key: message.key?.toString() ?? null,
                headers: textHeaders(message.headers),
                value: message.value?.toString() ?? null,
              });
            }
            if (done(messages)) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return messages;
}

/**
 * Every message of the topics (3 partitions each) up to a log position: read until each partition
 * holds a message that carries the log through `position` (the forwarder stamps every message).
 */
export async function readTopicsThrough(brokers: string[], topics: string[], position: number): Promise<StoredMessage[]> {
  const marked = new Set<string>();
  return readTopics(brokers, topics, (read) => {
    for (const message of read) {
      if (Number(message.headers[EVENT_HEADERS.through] ?? -1) >= position) marked.add(`${message.topic}/${message.partition}`);
    }
    return marked.size === topics.length * 3;
  });
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) text[name] = (Array.isArray(value) ? value[0] : value).toString();
  }
  return text;
}

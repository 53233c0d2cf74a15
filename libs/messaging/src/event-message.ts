import type { RecordedEvent } from '@roamledger/event-store';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

/**
 * How an event travels on Kafka. Key: the stream name. Value: the RecordedEvent as JSON.
 * Headers (strings): the event's identity and place in the log, so consumers can route and
 * deduplicate without parsing the value.
 */
export const EVENT_HEADERS = {
  id: 'event-id',
  type: 'event-type',
  stream: 'stream',
  revision: 'stream-revision',
  position: 'log-position',
  hash: 'event-hash',
  /**
   * A watermark: "every event up to this log position that belongs to this partition is at or
   * before this message". Set on the last event of each partition in a published batch, and on
   * the value-less watermark messages sent to partitions the batch left out. Lets a consumer of
   * several partitions put them back in log order (see LogMerge).
   */
  through: 'log-through',
} as const;

export function eventMessage(event: RecordedEvent, partition: number, through?: number): Message {
  const headers: IHeaders = {
    [EVENT_HEADERS.id]: event.id,
    [EVENT_HEADERS.type]: event.type,
    [EVENT_HEADERS.stream]: event.stream,
    [EVENT_HEADERS.revision]: String(event.revision),
    [EVENT_HEADERS.position]: String(event.position),
    [EVENT_HEADERS.hash]: event.hash,
    'content-type': 'application/json',
  };
  if (through !== undefined) headers[EVENT_HEADERS.through] = String(through);
  return { key: event.stream, value: JSON.stringify(event), partition, headers };
}

/** Carries no event: it only moves the partition's watermark. */
export function watermarkMessage(partition: number, through: number): Message {
  return { key: null, value: null, partition, headers: { [EVENT_HEADERS.through]: String(through) } };
}

/** A message of an event topic, read back: an event, a watermark, or both. */
export interface LogMessage {
  event?: RecordedEvent;
  through?: number;
}

/**
 * Reads a message written by the forwarder. Messages that are neither an event nor a watermark
 * (someone else's) come back empty, for the caller to skip.
 */
export function readLogMessage(message: Pick<KafkaMessage, 'headers' | 'value'>): LogMessage {
  const throughText = headerText(message.headers, EVENT_HEADERS.through);
  const through = throughText === undefined ? undefined : Number(throughText);
  const id = headerText(message.headers, EVENT_HEADERS.id);
  if (id === undefined || !message.value) return { through };
  const event = JSON.parse(message.value.toString('utf8')) as RecordedEvent;
  if (event.id !== id) throw new Error(`Kafka message header ${EVENT_HEADERS.id}=${id} does not match its value (${event.id})`);
  return { event, through };
}

export function headerText(headers: KafkaMessage['headers'], name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

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
   * the watermark messages (key WATERMARK_KEY) sent to partitions the batch left out. Lets a consumer of
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

/** The key of watermark messages (no stream name starts with `$`). */
export const WATERMARK_KEY = '$watermark';

/**
 * Carries no event: it only moves the partition's watermark. It has a key and a value all the
 * same: a message with a null value is a tombstone to Kafka Connect sinks and compaction, which
 * would delete or drop records for it. Plain consumers skip it (no event-id header).
 */
export function watermarkMessage(partition: number, through: number): Message {
  return {
    key: WATERMARK_KEY,
    value: JSON.stringify({ log_through: through }),
    partition,
    headers: { [EVENT_HEADERS.through]: String(through), 'content-type': 'application/json' },
  };
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

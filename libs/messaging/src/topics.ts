/**
 * Which Kafka topic an event goes to: one topic per OCPI module, chosen by the prefix of the
 * stream name (streams are named `<aggregate>-<id>` across the code base).
 *
 * | stream name                 | module        | topic (default prefix)    |
 * | --------------------------- | ------------- | ------------------------- |
 * | `session-…`                 | `sessions`    | `roamledger.sessions`     |
 * | `cdr-…`                     | `cdrs`        | `roamledger.cdrs`         |
 * | `partner-…`, `credentials-…`| `partners`    | `roamledger.partners`     |
 * | anything else (`pull-…`, `audit-seals`, …) | `events` | `roamledger.events` |
 *
 * The key of every message is the stream name, so one stream stays in one partition, in order.
 */
export const MODULE_STREAM_PREFIXES: ReadonlyArray<{ prefix: string; module: string }> = [
  { prefix: 'session-', module: 'sessions' },
  { prefix: 'cdr-', module: 'cdrs' },
  { prefix: 'partner-', module: 'partners' },
  { prefix: 'credentials-', module: 'partners' },
];

/**
 * Partitions of each event topic, when the forwarder or a consumer creates it. Fixed for the life
 * of a topic: more partitions would move streams to other partitions and break their order.
 */
export const EVENT_TOPIC_PARTITIONS = 3;

/** Streams no module claims (pull checkpoints, audit seals, ...). */
export const OTHER_EVENTS_MODULE = 'events';

/** Every module that has a topic, in a fixed order. */
export const EVENT_MODULES: readonly string[] = [
  ...new Set([...MODULE_STREAM_PREFIXES.map((entry) => entry.module), OTHER_EVENTS_MODULE]),
];

export function moduleOfStream(stream: string): string {
  return MODULE_STREAM_PREFIXES.find((entry) => stream.startsWith(entry.prefix))?.module ?? OTHER_EVENTS_MODULE;
}

export function topicOfStream(stream: string, topicPrefix: string): string {
  return `${topicPrefix}${moduleOfStream(stream)}`;
}

/** The topics of all modules: together they hold the whole log. */
export function eventTopics(topicPrefix: string): string[] {
  return EVENT_MODULES.map((module) => `${topicPrefix}${module}`);
}

import type { TopicMap } from '@roamledger/module-kit';

/**
 * Kafka topics of the event log: one per module, named KAFKA_TOPIC_PREFIX + the module's topic
 * (its descriptor's `topic`, or its name; streams no module claims go to `events`). Which stream
 * goes where is the modules' TopicMap (libs/module-kit).
 */

/**
 * Partitions of each event topic, when the forwarder or a consumer creates it. Fixed for the life
 * of a topic: more partitions would move streams to other partitions and break their order.
 */
export const EVENT_TOPIC_PARTITIONS = 3;

export function topicOfStream(stream: string, topicPrefix: string, topicMap: TopicMap): string {
  return `${topicPrefix}${topicMap.topicOf(stream)}`;
}

/** The topics of all modules: together they hold the whole log. */
export function eventTopics(topicPrefix: string, topicMap: TopicMap): string[] {
  return topicMap.topics.map((topic) => `${topicPrefix}${topic}`);
}

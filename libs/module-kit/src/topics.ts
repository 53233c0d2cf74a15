import type { ModuleDescriptor } from './module-descriptor';

/** Topic of the streams no module claims (pull checkpoints, audit seals, ...). */
export const OTHER_EVENTS_TOPIC = 'events';

/**
 * Which Kafka topic an event goes to: one per module, chosen by the prefix of its stream name
 * (streams are named `<aggregate>-<id>`), from the modules' descriptors. The key of every message
 * is the stream name, so one stream stays in one partition, in order.
 */
export class TopicMap {
  private readonly byPrefix: ReadonlyArray<{ prefix: string; topic: string }>;
  /** Every topic, in a fixed order: together they hold the whole log. */
  readonly topics: readonly string[];

  constructor(modules: readonly ModuleDescriptor[]) {
    // Longest prefix first, so a module may own a prefix inside another's.
    this.byPrefix = modules
      .flatMap((module) => (module.streams ?? []).map((owner) => ({ prefix: owner.prefix, topic: module.topic ?? module.name })))
      .sort((a, b) => b.prefix.length - a.prefix.length);
    this.topics = [...new Set([...this.byPrefix.map((entry) => entry.topic).sort(), OTHER_EVENTS_TOPIC])];
  }

  topicOf(stream: string): string {
    return this.byPrefix.find((entry) => stream.startsWith(entry.prefix))?.topic ?? OTHER_EVENTS_TOPIC;
  }
}

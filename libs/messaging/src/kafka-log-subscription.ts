import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import {
  type EventStore,
  matchesEventFilter,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '@roamledger/event-store';
import type { TopicMap } from '@roamledger/module-kit';
import type { Consumer } from 'kafkajs';
import { readLogMessage } from './event-message';
import { createKafka, type KafkaSettings, type MessagingLog, reason } from './kafka-client';
import { LogMerge, type TopicPartition } from './log-merge';
import { soleMemberAssigner } from './sole-member-assigner';
import { EVENT_TOPIC_PARTITIONS, eventTopics } from './topics';
import { WakeSignal } from './wake-signal';

export interface KafkaLogOptions {
  kafka: KafkaSettings;
  /** Which topic each stream goes to: the modules' TopicMap. */
  topicMap: TopicMap;
  /** Topics to read (default: every event topic, i.e. the whole log). */
  topics?: string[];
  /**
   * Read the event store up to its head before turning to Kafka (default true). Kafka keeps
   * events for its retention time only; the store keeps them all, so a subscription that starts
   * far behind (a new projection build, a new consumer) still sees every event.
   */
  catchUpFromStore?: boolean;
  /** Events read from Kafka and ready to take before it stops fetching (default 5000). */
  maxReady?: number;
  log?: MessagingLog;
}

/**
 * `subscribeToAll` served from Kafka: the event topics read by a consumer group (named after the
 * checkpoint) and put back in log order by LogMerge, duplicates dropped. The contract is the
 * store's: every event after the checkpoint (or from `fromPosition`), in ascending position, none
 * skipped. `checkpoint(position)` saves the position in the store, like the store's own
 * subscriptions, and then commits the Kafka offsets that position allows.
 *
 * One member of a group reads all partitions (the merge needs them all); further members of the
 * same group stand by and take over on a rebalance.
 */
export class KafkaLogSubscription implements Subscription {
  private readonly log: MessagingLog;
  private readonly batchSize: number;
  private readonly maxReady: number;
  private iterator?: AsyncGenerator<RecordedEvent>;
  private merge?: LogMerge;
  private consumer?: Consumer;
  private failure?: Error;
  private closed = false;
  private committing: Promise<void> = Promise.resolve();
  /** Something to take (or a failure, or close). */
  private readonly readable = new WakeSignal();
  /** The reader took events: the fetch may go on. */
  private readonly taken = new WakeSignal();

  constructor(
    private readonly store: EventStore,
    private readonly options: SubscribeOptions,
    private readonly kafkaOptions: KafkaLogOptions,
  ) {
    this.log = kafkaOptions.log ?? new Logger('kafka-log');
    this.batchSize = options.batchSize ?? 500;
    this.maxReady = kafkaOptions.maxReady ?? 5_000;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    this.iterator ??= this.events();
    return this.iterator;
  }

  async checkpoint(position: number): Promise<void> {
    const name = this.options.checkpointName;
    if (!name) throw new Error('checkpoint() needs a subscription opened with checkpointName');
    await this.store.checkpoints.save(name, position);
    if (!this.merge) return;
    this.merge.confirm(position);
    this.commit();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.readable.notify();
    this.taken.notify();
    await this.iterator?.return(undefined);
    await this.stopConsumer();
  }

  private async *events(): AsyncGenerator<RecordedEvent> {
    const filter = this.options.filter;
    try {
      const saved = this.options.checkpointName ? await this.store.checkpoints.load(this.options.checkpointName) : undefined;
      let position = saved ?? (this.options.fromPosition ?? 0) - 1;
      if (this.kafkaOptions.catchUpFromStore ?? true) {
        for (;;) {
          const batch = await this.store.readAll({ fromPosition: position + 1, maxCount: this.batchSize });
          for (const event of batch) {
            position = event.position;
            if (matchesEventFilter(event, filter)) yield event;
            if (this.closed) return;
          }
          if (batch.length < this.batchSize) break;
        }
      }
      const merge = new LogMerge(position);
      this.merge = merge;
      await this.startConsumer(merge);
      while (!this.closed) {
        const events = merge.take(this.batchSize);
        if (events.length === 0) {
          if (this.failure) throw this.failure;
          await this.readable.wait(1_000);
          continue;
        }
        this.taken.notify();
        for (const event of events) {
          if (matchesEventFilter(event, filter)) yield event;
          if (this.closed) return;
        }
      }
    } finally {
      await this.stopConsumer();
    }
  }

  private async startConsumer(merge: LogMerge): Promise<void> {
    const topics = this.kafkaOptions.topics ?? eventTopics(this.kafkaOptions.kafka.topicPrefix, this.kafkaOptions.topicMap);
    const name = this.options.checkpointName ?? `anonymous-${randomUUID()}`;
    const groupId = `${this.kafkaOptions.kafka.topicPrefix}${name}`;
    const kafka = createKafka(this.kafkaOptions.kafka, 'log-reader');
    // A consumer may start before the forwarder has created the topics: create them the same way.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: topics.map((topic) => ({ topic, numPartitions: EVENT_TOPIC_PARTITIONS })),
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    const consumer = kafka.consumer({
      groupId,
      partitionAssigners: [soleMemberAssigner(() => merge.assigned().length > 0)],
      sessionTimeout: 15_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 1_000,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned: TopicPartition[] = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      merge.assign(assigned);
      this.log.debug?.(`${groupId}: reading ${assigned.length} partitions`);
      this.readable.notify();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) {
        this.log.warn(`${groupId}: Kafka consumer failed (${reason(payload.error)}); it restarts by itself`);
        return;
      }
      this.failure = payload.error;
      this.readable.notify();
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        for (const message of batch.messages) {
          merge.add(batch.topic, batch.partition, Number(message.offset), readLogMessage(message));
        }
        this.readable.notify();
        // Back-pressure on what is ready only: events waiting for another partition's
        // watermark must not stop the fetch that brings it.
        while (merge.available() >= this.maxReady && isRunning() && !isStale() && !this.closed) {
          await this.taken.wait(1_000);
          await heartbeat();
        }
      },
    });
  }

  /** Commits in the background, one at a time. */
  private commit(): void {
    this.committing = this.committing.then(async () => {
      const merge = this.merge;
      const consumer = this.consumer;
      if (!merge || !consumer || this.closed) return;
      const commits = merge.commits();
      if (commits.length === 0) return;
      try {
        await consumer.commitOffsets(commits);
        merge.committed(commits);
      } catch (error) {
        // A rebalance or a broker restart: try again shortly, whether or not a checkpoint comes.
        this.log.debug?.(`offset commit deferred: ${reason(error)}`);
        if (!this.closed) setTimeout(() => this.commit(), 1_000).unref();
      }
    });
  }

  private async stopConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (!consumer) return;
    await this.committing;
    await consumer.disconnect().catch(() => undefined);
  }
}

/** An EventStore whose `subscribeToAll` reads Kafka; everything else goes to `store`. */
export class KafkaFedEventStore implements EventStore {
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    readonly store: EventStore,
    private readonly options: KafkaLogOptions,
  ) {}

  get kind() {
    return this.store.kind;
  }

  get checkpoints() {
    return this.store.checkpoints;
  }

  get snapshots() {
    return this.store.snapshots;
  }

  append: EventStore['append'] = (stream, events, options) => this.store.append(stream, events, options);
  readStream: EventStore['readStream'] = (stream, options) => this.store.readStream(stream, options);
  readAll: EventStore['readAll'] = (options) => this.store.readAll(options);
  headPosition: EventStore['headPosition'] = () => this.store.headPosition();
  ping: EventStore['ping'] = () => this.store.ping();

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    const subscription = new KafkaLogSubscription(this.store, options, this.options);
    this.subscriptions.add(subscription);
    const close = subscription.close.bind(subscription);
    subscription.close = async () => {
      this.subscriptions.delete(subscription);
      await close();
    };
    return subscription;
  }

  /** Closes its Kafka subscriptions; the store belongs to whoever opened it. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
  }
}

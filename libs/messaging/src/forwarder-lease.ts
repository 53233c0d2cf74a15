import { Logger } from '@nestjs/common';
import { abortable } from '@roamledger/event-store';
import type { Consumer } from 'kafkajs';
import { createKafka, type KafkaSettings, type MessagingLog, pause, reason, settlesWithin } from './kafka-client';
import { soleMemberAssigner } from './sole-member-assigner';

export interface LeaseHandlers {
  acquired(): void;
  released(): void | Promise<void>;
}

/**
 * Picks the one process that forwards, among all the services started with KAFKA_BROKERS: each
 * joins the consumer group `<prefix>forwarder` on the one-partition topic of the same name, and
 * the member assigned the partition holds the lease (soleMemberAssigner: it keeps it while it
 * stays). When it leaves, the group hands the partition to another member at once; when it dies,
 * after its session expires (10 s).
 *
 * Two forwarders at once (a hand-over, a paused holder woken after its session expired) are safe:
 * the one whose producer started last fences the other, and sends only what Kafka does not hold
 * yet (EventForwarder), so no event goes out twice.
 */
export class ForwarderLease {
  private readonly log: MessagingLog;
  private readonly topic: string;
  private readonly abort = new AbortController();
  private consumer?: Consumer;
  private holding = false;
  private done: Promise<void> = Promise.resolve();
  /** Why the last attempt to join the group failed (the broker unreachable, say); cleared on a join. */
  joinError?: string;

  constructor(
    private readonly kafka: KafkaSettings,
    private readonly handlers: LeaseHandlers,
    log?: MessagingLog,
  ) {
    this.log = log ?? new Logger('kafka-forwarder');
    this.topic = `${kafka.topicPrefix}forwarder`;
  }

  get held(): boolean {
    return this.holding;
  }

  /** Joins in the background, again and again until stopped: Kafka need not be up. */
  start(): void {
    this.done = this.run();
  }

  /** Leaves the group (another member takes over at once); waits `waitMs` at most for a join in progress. */
  async stop(waitMs = 5_000): Promise<void> {
    this.abort.abort();
    await settlesWithin(this.done, waitMs);
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
    await this.set(false);
  }

  private async run(): Promise<void> {
    let retryMs = 1_000;
    let warned = false;
    while (!this.abort.signal.aborted) {
      try {
        const { failed } = await this.join();
        if (this.abort.signal.aborted) break;
        warned = false;
        this.joinError = undefined;
        retryMs = 1_000;
        // Resolves when kafkajs gives up on the consumer (it restarts it by itself otherwise).
        await abortable(failed, this.abort.signal);
      } catch (error) {
        if (this.abort.signal.aborted) break;
        this.joinError = reason(error);
        if (!warned) this.log.warn(`cannot join the forwarder group yet (${reason(error)}); retrying in the background`);
        warned = true;
      }
      await this.consumer?.disconnect().catch(() => undefined);
      this.consumer = undefined;
      await pause(retryMs, this.abort.signal);
      retryMs = Math.min(retryMs * 2, 30_000);
    }
    // A join that finished after stop() gave up waiting: leave the group now.
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
  }

  /** Joins the group; `failed` settles if kafkajs gives the consumer up (a promise in an object: returned bare, the join would wait for it). */
  private async join(): Promise<{ failed: Promise<void> }> {
    const kafka = createKafka(this.kafka, 'forwarder-lease');
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: this.topic, numPartitions: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const consumer = kafka.consumer({
      groupId: this.topic,
      // Sticky: a service starting does not take the lease from the one holding it.
      partitionAssigners: [soleMemberAssigner(() => this.holding)],
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 1_000,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    const failed = new Promise<void>((resolve) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) resolve();
      });
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      void this.set((payload.memberAssignment[this.topic] ?? []).length > 0);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic] });
    // Nothing is ever written to the topic: membership is the point.
    await consumer.run({ eachMessage: async () => undefined });
    return { failed };
  }

  private async set(holding: boolean): Promise<void> {
    if (holding === this.holding || (holding && this.abort.signal.aborted)) return;
    this.holding = holding;
    if (holding) {
      this.log.log('this process holds the forwarder lease: it publishes the event log to Kafka');
      this.handlers.acquired();
    } else {
      this.log.log('forwarder lease released');
      await this.handlers.released();
    }
  }
}

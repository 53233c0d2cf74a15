import { Logger } from '@nestjs/common';
import { ABORTED, abortable, type EventStore, type RecordedEvent, type Subscription } from '@roamledger/event-store';
import type { TopicMap } from '@roamledger/module-kit';
import {
  type Admin,
  type Kafka,
  type Message,
  Partitioners,
  type PartitionMetadata,
  type Producer,
  type TopicMessages,
  type TopicOffsets,
} from 'kafkajs';
import { eventMessage, watermarkMessage } from './event-message';
import { createKafka, type KafkaSettings, type MessagingLog, pause, reason, settlesWithin } from './kafka-client';
import { EVENT_TOPIC_PARTITIONS, eventTopics, topicOfStream } from './topics';

export interface ForwarderOptions {
  store: EventStore;
  kafka: KafkaSettings;
  /** Which topic each stream goes to: the modules' TopicMap. */
  topicMap: TopicMap;
  /** The event-store checkpoint that records what Kafka has acknowledged (default `kafka-forwarder`). */
  checkpointName?: string;
  /** Most events per produce request, and per checkpoint (default 500). */
  batchSize?: number;
  /** Partitions of the event topics when the forwarder has to create them (default 3). Never change it later. */
  numPartitions?: number;
  /** First delay after a failure; doubles up to `maxRetryMs` (defaults 500 ms and 10 s). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Called when a batch has passed the checkpoint fence, just before it is sent (tests pause here). */
  onSending?: (events: readonly RecordedEvent[]) => void;
  /** Called once Kafka has acknowledged a batch, before its checkpoint is saved. */
  onPublished?: (events: readonly RecordedEvent[]) => void;
  log?: MessagingLog;
  /** Called for each publish Kafka did not acknowledge (the batch is retried). */
  onPublishFailed?: () => void;
  /**
   * Kafka's transactional id: forwarders with the same one fence each other (default
   * `<topic prefix><checkpoint name>`: those that publish the same log under the same checkpoint).
   */
  transactionalId?: string;
  /** How long a forwarder Kafka fenced waits before it takes up the log again (default 5 s). */
  fencedPauseMs?: number;
}

export interface ForwarderStatus {
  running: boolean;
  /** Last position Kafka acknowledged in this process (-1: none yet). */
  position: number;
  /** Events acknowledged in this process, duplicates after a restart included. */
  published: number;
  /** Set while Kafka refuses or cannot be reached. */
  outageSince?: string;
  lastError?: string;
}

export const DEFAULT_FORWARDER_CHECKPOINT = 'kafka-forwarder';
/** A send not acknowledged for this long is reported as an outage. */
const SLOW_MS = 2_000;
const IDLE = Symbol('idle');

/**
 * Publishes the event log to Kafka: a named, checkpointed `subscribeToAll`, each event to the
 * topic of its module (topics.ts), keyed by stream. A batch is published in one Kafka transaction
 * of an idempotent producer; the checkpoint moves only once Kafka has committed the whole batch,
 * so a crash at any point never skips an event (and, by the progress below, repeats none).
 *
 * Fencing: every forwarder of one log uses the same transactional id, so Kafka gives the producer
 * of the latest one to start a new epoch and refuses the older ones (INVALID_PRODUCER_EPOCH), and
 * aborts a transaction one of them left open. A former lease holder that was paused (SIGSTOP, a
 * long GC) and wakes up in the middle of a batch cannot commit it: consumers reading committed
 * messages (kafkajs' default, isolation.level=read_committed) never see it.
 *
 * Exactly once on the topics: each transaction also commits, as an offset of the consumer group
 * named by the transactional id (see `progressOf`), the last log position it carries, so what is
 * in Kafka and how far it goes are committed together. A new producer, once it has fenced the
 * others (which completes or aborts their open transaction), reads that position and sends only
 * what lies beyond: a batch a paused or killed forwarder committed without saving the store
 * checkpoint (the checkpoint alone cannot know it) is not sent twice. It also reads the checkpoint
 * before each batch and drops a batch another forwarder has checkpointed already.
 *
 * It runs beside the request path, never in it: appends do not wait for it, and when Kafka is
 * down it keeps the batch, says so in the log, and retries with backoff until Kafka is back.
 *
 * Every published batch also carries watermarks (EVENT_HEADERS.through) for every partition of
 * every event topic, which is what lets LogMerge (KafkaLogSubscription) rebuild the log order
 * across partitions.
 */
export class EventForwarder {
  private readonly log: MessagingLog;
  private readonly checkpointName: string;
  private readonly batchSize: number;
  private readonly choosePartition = Partitioners.DefaultPartitioner();
  private kafka?: Kafka;
  private producer?: Producer;
  private partitions = new Map<string, PartitionMetadata[]>();
  /** The last log position in Kafka, as the current producer found it when it fenced the others, then as it committed. */
  private committedThrough = -1;
  private abort?: AbortController;
  private done: Promise<void> = Promise.resolve();
  private readonly state: ForwarderStatus = { running: false, position: -1, published: 0 };

  constructor(private readonly options: ForwarderOptions) {
    this.log = options.log ?? new Logger('kafka-forwarder');
    this.checkpointName = options.checkpointName ?? DEFAULT_FORWARDER_CHECKPOINT;
    this.batchSize = options.batchSize ?? 500;
  }

  /** Starts forwarding in the background; returns at once (Kafka need not be up). */
  start(): void {
    if (this.state.running) return;
    this.state.running = true;
    const abort = new AbortController();
    this.abort = abort;
    // A stop still finishing its last batch completes before the next run reads the checkpoint.
    this.done = this.done.then(() => this.run(abort.signal));
  }

  /**
   * Stops after the batch in flight: checkpointed if Kafka acknowledges it, otherwise left for
   * the next run to publish again. Waits `waitMs` at most (a dead broker must not hold up a
   * shutdown); the run then ends by itself once kafkajs gives up.
   */
  async stop(waitMs = 5_000): Promise<void> {
    this.state.running = false;
    this.abort?.abort();
    if (!(await settlesWithin(this.done, waitMs)))
      this.log.warn(`stopped without Kafka's answer on the batch in flight; it goes out again on the next start`);
  }

  status(): ForwarderStatus {
    return { ...this.state };
  }

  private async run(signal: AbortSignal): Promise<void> {
    let retryMs = this.options.retryMs ?? 500;
    try {
      while (!signal.aborted) {
        let subscription: Subscription | undefined;
        try {
          const saved = await this.options.store.checkpoints.load(this.checkpointName);
          this.log.log(
            saved === undefined
              ? `forwarding the event log to Kafka from the start (checkpoint ${this.checkpointName})`
              : `forwarding the event log to Kafka after position ${saved} (checkpoint ${this.checkpointName})`,
          );
          subscription = this.options.store.subscribeToAll({ checkpointName: this.checkpointName, batchSize: this.batchSize });
          await this.forward(subscription, signal);
          if (signal.aborted) return;
          throw new Error('the event store subscription ended');
        } catch (error) {
          if (signal.aborted) return;
          if (error instanceof Fenced) {
            this.log.warn(`${error.message}; following on from its checkpoint`);
            continue;
          }
          if (isProducerFenced(error)) {
            // Another forwarder started after this one: it holds the log now. Wait (a paused
            // former lease holder learns meanwhile that it lost the lease, and is stopped) before
            // taking it up again from the checkpoint, which would fence that other one in turn.
            await this.disconnect();
            const waitMs = this.options.fencedPauseMs ?? 5_000;
            this.log.warn(`fenced by Kafka: another forwarder has taken over the log; following on in ${waitMs} ms`);
            await pause(waitMs, signal);
            continue;
          }
          this.state.lastError = reason(error);
          this.log.error(`forwarding to Kafka failed: ${reason(error)}; starting again in ${retryMs} ms`);
          await pause(retryMs, signal);
          retryMs = Math.min(retryMs * 2, this.options.maxRetryMs ?? 10_000);
        } finally {
          await subscription?.close().catch(() => undefined);
        }
      }
    } finally {
      await this.disconnect();
    }
  }

  private async forward(subscription: Subscription, signal: AbortSignal): Promise<void> {
    const iterator = subscription[Symbol.asyncIterator]();
    let pending = iterator.next();
    try {
      for (;;) {
        // abortable, not a race with a stop promise: that kept each batch's first event until stopped.
        const first = await abortable(pending, signal);
        if (first === ABORTED || first.done) return;
        const batch = [first.value];
        pending = iterator.next();
        // Take what the subscription already holds; a read from the store ends the batch, so
        // a lone live event goes out at once and a backlog goes out in full batches.
        while (batch.length < this.batchSize) {
          const next = await Promise.race([pending, nextTurn()]);
          if (next === IDLE || next.done) break;
          batch.push(next.value);
          pending = iterator.next();
        }
        if (!(await this.publish(batch, signal))) return;
        this.options.onPublished?.(batch);
        // Paused after the commit while another took over: its checkpoint is further on, and
        // saving ours would move it back (the next forwarder would read those events again).
        await this.checkFence(batch);
        // Awaited before the next batch. A crash before it loses nothing and sends nothing twice:
        // the next producer learns from Kafka that this batch is in (committedThrough).
        await subscription.checkpoint(batch[batch.length - 1].position);
      }
    } finally {
      // A read still in flight may settle after close; nobody waits for it.
      pending.catch(() => undefined);
    }
  }

  /** Publishes until Kafka acknowledges (true), or until stopped while it does not (false). */
  private async publish(batch: RecordedEvent[], signal: AbortSignal): Promise<boolean> {
    let retryMs = this.options.retryMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      await this.checkFence(batch);
      this.options.onSending?.(batch);
      // kafkajs retries inside a send for a while: an outage it rides out is still worth a line.
      const slow = setTimeout(() => {
        if (this.state.outageSince) return;
        this.state.outageSince = new Date().toISOString();
        this.log.warn(
          `Kafka has not acknowledged ${batch.length} events from position ${batch[0].position} for ${SLOW_MS / 1000} s ` +
            '(broker down or unreachable?); still trying, the event store keeps taking requests',
        );
      }, SLOW_MS);
      try {
        const producer = await this.connect();
        const last = batch[batch.length - 1].position;
        // Only what Kafka does not hold yet: a forwarder fenced (or killed) after its commit and
        // before its checkpoint had sent the start of what this one read from the checkpoint.
        const unsent = batch.filter((event) => event.position > this.committedThrough);
        if (unsent.length > 0) {
          const transaction = await producer.transaction();
          try {
            await transaction.sendBatch({ acks: -1, topicMessages: this.messagesOf(unsent) });
            await transaction.sendOffsets(this.progressOf(batch[batch.length - 1]));
            await transaction.commit();
          } catch (error) {
            // A fenced producer cannot abort either: Kafka aborts it for the one that fenced it.
            await transaction.abort().catch(() => undefined);
            throw error;
          }
          this.committedThrough = last;
        } else {
          this.log.log(`events ${batch[0].position}–${last} were in Kafka already (committed by an earlier forwarder)`);
        }
        clearTimeout(slow);
        if (this.state.outageSince) {
          const seconds = ((Date.now() - Date.parse(this.state.outageSince)) / 1000).toFixed(1);
          this.log.log(`Kafka is back after ${seconds} s: published up to position ${last}, catching up`);
          this.state.outageSince = undefined;
        }
        this.state.position = last;
        this.state.published += unsent.length;
        return true;
      } catch (error) {
        clearTimeout(slow);
        if (isProducerFenced(error)) throw error;
        this.options.onPublishFailed?.();
        this.state.lastError = reason(error);
        this.state.outageSince ??= new Date().toISOString();
        // A fresh producer on the next attempt: the old one may be stuck on a dead connection.
        await this.disconnect();
        if (signal.aborted) return false;
        this.log.warn(
          `Kafka unavailable (${reason(error)}): ${batch.length} events from position ${batch[0].position} wait, ` +
            `attempt ${attempt}, next in ${retryMs} ms; the event store keeps taking requests`,
        );
        await pause(retryMs, signal);
        if (signal.aborted) return false;
        retryMs = Math.min(retryMs * 2, this.options.maxRetryMs ?? 10_000);
      }
    }
  }

  /**
   * Fencing: the checkpoint is the lease holder's. When it has passed the start of this batch,
   * another forwarder published these events (this process was paused, or lost the lease without
   * knowing yet): publishing them again would only make duplicates. One read per attempt.
   */
  private async checkFence(batch: RecordedEvent[]): Promise<void> {
    const saved = await this.options.store.checkpoints.load(this.checkpointName);
    if (saved !== undefined && saved >= batch[0].position) throw new Fenced(saved, batch[0].position);
  }

  private messagesOf(batch: RecordedEvent[]): TopicMessages[] {
    return batchMessages(
      batch,
      (stream) => topicOfStream(stream, this.options.kafka.topicPrefix, this.options.topicMap),
      this.partitions,
      (topic, stream) =>
        this.choosePartition({ topic, partitionMetadata: this.partitionsOf(topic), message: { key: stream, value: null } }),
    );
  }

  /**
   * Kafka's record of how far the log has been published: the offset `position + 1` of the
   * progress group (named by the transactional id) on partition 0 of the first event topic, with
   * the event's id as the offset's metadata. That partition is only a slot for the number: the
   * group never consumes.
   */
  private progressOf(last?: RecordedEvent): { consumerGroupId: string; topics: TopicOffsets[] } {
    const [topic] = eventTopics(this.options.kafka.topicPrefix, this.options.topicMap);
    const offset = { partition: 0, offset: String((last?.position ?? -1) + 1), metadata: last?.id ?? null };
    return { consumerGroupId: this.transactionalId(), topics: [{ topic, partitions: [offset] }] };
  }

  private transactionalId(): string {
    return this.options.transactionalId ?? `${this.options.kafka.topicPrefix}${this.checkpointName}`;
  }

  private partitionsOf(topic: string): PartitionMetadata[] {
    const partitions = this.partitions.get(topic);
    if (!partitions) throw new Error(`no metadata for Kafka topic ${topic}`);
    return partitions;
  }

  /**
   * Creates the event topics if missing, learns their partitions, connects an idempotent
   * transactional producer (which fences every earlier one), then reads how far Kafka holds the log.
   */
  private async connect(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.kafka ??= createKafka(this.options.kafka, 'forwarder');
    const topics = eventTopics(this.options.kafka.topicPrefix, this.options.topicMap);
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const numPartitions = this.options.numPartitions ?? EVENT_TOPIC_PARTITIONS;
      await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions })), waitForLeaders: true });
      const metadata = await admin.fetchTopicMetadata({ topics });
      this.partitions = new Map(
        metadata.topics.map((topic) => [topic.name, [...topic.partitions].sort((a, b) => a.partitionId - b.partitionId)]),
      );
      // Idempotent: a retry inside kafkajs cannot write a message twice. Its retries are bounded
      // (kafkajs would retry forever) so that an outage surfaces here and gets logged. Transactional
      // under the id all forwarders of this log share: connecting fences every earlier producer.
      const producer = this.kafka.producer({
        transactionalId: this.transactionalId(),
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: { initialRetryTime: 200, maxRetryTime: 2_000, retries: 5 },
      });
      await producer.connect();
      try {
        // kafkajs' connect() takes a producer id without the transactional id: nothing is fenced
        // yet. Its first transaction() does that (InitProducerId under our transactional id, which
        // waits until an earlier producer's transaction is committed or aborted). Read before it,
        // the progress missed a batch a paused holder was committing, and that batch went out twice.
        await (await producer.transaction()).abort();
        // Read after the fencing: no earlier producer's transaction is still open, none can commit now.
        this.committedThrough = await this.readProgress(admin);
      } catch (error) {
        await producer.disconnect().catch(() => undefined);
        throw error;
      }
      this.producer = producer;
      return producer;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * The last log position Kafka holds, as committed with it; -1 when none (a fresh broker, or a
   * log published before this was recorded). A record this store does not bear out (another event
   * at that position: a store restored from a backup) is ignored, so nothing is ever skipped.
   */
  private async readProgress(admin: Admin): Promise<number> {
    const { consumerGroupId, topics } = this.progressOf();
    const [{ topic }] = topics;
    const [found] = await admin.fetchOffsets({ groupId: consumerGroupId, topics: [topic] });
    const record = found?.partitions.find((p) => p.partition === 0);
    const position = Number(record?.offset ?? -1) - 1;
    if (position < 0) return -1;
    const [event] = await this.options.store.readAll({ fromPosition: position, maxCount: 1 });
    if (event?.position === position && event.id === record?.metadata) return position;
    this.log.error(
      `Kafka says the log is published through position ${position} (event ${record?.metadata}), which this event store ` +
        `does not bear out (${event?.position === position ? `event ${event.id} there` : 'no event there'}); ignoring it, following the checkpoint`,
    );
    return -1;
  }

  private async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}

/**
 * One request for a whole batch. Per partition: its events in log order, the last one marked
 * `through` the batch's last position; every other partition of every event topic gets a
 * watermark, so consumers of several partitions know how far each one has got.
 */
export function batchMessages(
  batch: readonly RecordedEvent[],
  topicOf: (stream: string) => string,
  partitions: ReadonlyMap<string, ReadonlyArray<{ partitionId: number }>>,
  partitionOf: (topic: string, stream: string) => number,
): TopicMessages[] {
  const through = batch[batch.length - 1].position;
  const byPartition = new Map<string, Map<number, RecordedEvent[]>>();
  for (const event of batch) {
    const topic = topicOf(event.stream);
    const partition = partitionOf(topic, event.stream);
    const ofTopic = byPartition.get(topic) ?? new Map<number, RecordedEvent[]>();
    byPartition.set(topic, ofTopic);
    const events = ofTopic.get(partition) ?? [];
    ofTopic.set(partition, events);
    events.push(event);
  }
  return [...partitions].map(([topic, ofTopic]) => {
    const messages: Message[] = [];
    for (const { partitionId } of ofTopic) {
      const events = byPartition.get(topic)?.get(partitionId);
      if (!events) {
        messages.push(watermarkMessage(partitionId, through));
        continue;
      }
      events.forEach((event, i) => {
        messages.push(eventMessage(event, partitionId, i === events.length - 1 ? through : undefined));
      });
    }
    return { topic, messages };
  });
}

/** Resolves after the pending I/O callbacks: what a subscription holds in memory comes first. */
function nextTurn(): Promise<typeof IDLE> {
  return new Promise((resolve) => setImmediate(() => resolve(IDLE)));
}

/** Kafka refused this producer: another one with the same transactional id started after it. */
export function isProducerFenced(error: unknown): boolean {
  const found = error as { type?: string; cause?: unknown; errors?: unknown[] } | undefined;
  if (!found || typeof found !== 'object') return false;
  if (found.type === 'INVALID_PRODUCER_EPOCH' || found.type === 'PRODUCER_FENCED') return true;
  return isProducerFenced(found.cause) || (found.errors ?? []).some(isProducerFenced);
}

/** Another forwarder has published from `from` on: this one must not publish its batch. */
export class Fenced extends Error {
  constructor(
    readonly checkpoint: number,
    readonly from: number,
  ) {
    super(`fenced: another forwarder has published through position ${checkpoint}, past this batch's start ${from}`);
    this.name = 'Fenced';
  }
}

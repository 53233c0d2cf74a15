/**
 * Kafka for service mode: the event log published to one topic per module, and read back.
 *
 * - `EventForwarder`: the log to Kafka (checkpointed `subscribeToAll`, idempotent producer,
 *   checkpoint after the broker's ack, retry with backoff). `ForwarderLease` picks the one
 *   service that runs it; `MessagingModule` wires both into a Nest service when KAFKA_BROKERS is set.
 * - `topicOfStream` (topics.ts): the stream-name prefix → module topic mapping.
 * - `KafkaFedEventStore` / `KafkaLogSubscription`: `subscribeToAll` served from the topics, in
 *   log order, without duplicates (`LogMerge`), for projections fed from Kafka.
 * - `SeenRevisions` / `ConsumedRevisions`: deduplication by stream revision for any consumer
 *   (exactly-once effect when kept in the consumer's own transaction).
 */
export * from './consumed-revisions';
export * from './event-forwarder';
export * from './event-message';
export * from './forwarder-lease';
export * from './kafka-client';
export * from './kafka-log-subscription';
export * from './log-merge';
export * from './messaging.module';
export * from './sole-member-assigner';
export * from './topics';

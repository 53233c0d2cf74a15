import { Global, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { PROJECTION_EVENT_SOURCE } from '@roamledger/projections';
import { Metrics, ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { DEFAULT_FORWARDER_CHECKPOINT, EventForwarder, type ForwarderStatus } from './event-forwarder';
import { ForwarderLease } from './forwarder-lease';
import { KafkaFedEventStore } from './kafka-log-subscription';

/**
 * Publishes the event log to Kafka from a service, when KAFKA_BROKERS is set (nothing starts
 * otherwise). Every service may import it: the lease lets one of them forward at a time.
 * Bootstrap does not wait for Kafka, and no request ever does.
 */
@Injectable()
export class KafkaPublication implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('kafka-forwarder');
  private forwarder?: EventForwarder;
  private lease?: ForwarderLease;

  constructor(
    @Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    const kafka = this.config.kafka;
    if (!kafka) return;
    const failed = this.metrics.counter(
      'roamledger_forwarder_publish_failures_total',
      'Pushes of a batch of events to Kafka that the broker did not acknowledge (each is retried)',
    );
    this.metrics.gauge('roamledger_forwarder_lag_events', 'Events in the log not yet acknowledged by Kafka', [], async () => {
      const forwarded = (await this.store.checkpoints.load(DEFAULT_FORWARDER_CHECKPOINT)) ?? -1;
      return [[{}, Math.max(0, (await this.store.headPosition()) - forwarded)]];
    });
    const forwarder = new EventForwarder({ store: this.store, kafka, log: this.logger, onPublishFailed: () => failed.inc() });
    this.forwarder = forwarder;
    this.lease = new ForwarderLease(kafka, { acquired: () => forwarder.start(), released: () => forwarder.stop() }, this.logger);
    this.lease.start();
  }

  /** Before the store closes (module destroy comes before application shutdown). */
  async onModuleDestroy(): Promise<void> {
    await this.lease?.stop();
    await this.forwarder?.stop();
  }

  /** Undefined when Kafka is not configured. */
  status(): (ForwarderStatus & { lease: boolean }) | undefined {
    if (!this.forwarder || !this.lease) return undefined;
    return { ...this.forwarder.status(), lease: this.lease.held };
  }
}

/** Import in a service's root module, after ServiceModule.forRoot (it uses its config and store). */
@Module({
  providers: [KafkaPublication],
  exports: [KafkaPublication],
})
export class MessagingModule {}

/**
 * Service mode for projections: when KAFKA_BROKERS is set, the projections of this process
 * (ProjectionHost, through PROJECTION_EVENT_SOURCE) follow the event topics instead of the store:
 * they catch up from the store, then read Kafka. Without Kafka they read the store as before.
 */
@Global()
@Module({
  providers: [
    {
      provide: PROJECTION_EVENT_SOURCE,
      useFactory: (config: RoamledgerConfig, store: EventStore): EventStore =>
        config.kafka ? new KafkaFedEventStore(store, { kafka: config.kafka, log: new Logger('kafka-projections') }) : store,
      inject: [ROAMLEDGER_CONFIG, EVENT_STORE],
    },
  ],
  exports: [PROJECTION_EVENT_SOURCE],
})
export class KafkaProjectionSourceModule {}

import { Global, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { MODULE_DESCRIPTORS, type ModuleDescriptor, TopicMap } from '@roamledger/module-kit';
import { PROJECTION_EVENT_SOURCE } from '@roamledger/projections';
import {
  HealthIndicators,
  type HealthReport,
  Leadership,
  Metrics,
  ROAMLEDGER_CONFIG,
  type RoamledgerConfig,
} from '@roamledger/service';
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
    private readonly leadership: Leadership,
    private readonly health: HealthIndicators,
    @Inject(MODULE_DESCRIPTORS) private readonly modules: readonly ModuleDescriptor[],
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
    const forwarder = new EventForwarder({
      store: this.store,
      kafka,
      topicMap: new TopicMap(this.modules),
      log: this.logger,
      onPublishFailed: () => failed.inc(),
    });
    this.forwarder = forwarder;
    // The lease holder forwards and seals (Leadership); its /health says how far Kafka lags.
    this.lease = new ForwarderLease(
      kafka,
      {
        acquired: () => {
          forwarder.start();
          this.leadership.set(true);
        },
        released: () => {
          this.leadership.set(false);
          return forwarder.stop();
        },
      },
      this.logger,
    );
    this.health.register({ name: 'kafka', check: () => this.healthReport() });
    this.lease.start();
  }

  /** Before the store closes (module destroy comes before application shutdown). */
  async onModuleDestroy(): Promise<void> {
    await this.lease?.stop();
    await this.forwarder?.stop();
  }

  /** Degraded while the broker is unreachable from this process, with the log's lag behind Kafka. */
  private async healthReport(): Promise<HealthReport> {
    const status = this.status();
    const forwarded = (await this.store.checkpoints.load(DEFAULT_FORWARDER_CHECKPOINT)) ?? -1;
    const lag = Math.max(0, (await this.store.headPosition()) - forwarded);
    // The holder knows from its pushes; the others from joining the lease's consumer group.
    const unreachable = status?.lease ? Boolean(status.outageSince) : Boolean(this.lease?.joinError);
    return {
      status: unreachable ? 'degraded' : 'ok',
      lease: status?.lease ?? false,
      broker: unreachable ? 'unreachable' : 'reachable',
      ...(this.lease?.joinError ? { join_error: this.lease.joinError } : {}),
      forwarder_lag: lag,
      ...(status?.outageSince ? { outage_since: status.outageSince, last_error: status.lastError } : {}),
    };
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
      useFactory: (config: RoamledgerConfig, store: EventStore, modules: readonly ModuleDescriptor[]): EventStore =>
        config.kafka
          ? new KafkaFedEventStore(store, {
              kafka: config.kafka,
              topicMap: new TopicMap(modules),
              log: new Logger('kafka-projections'),
            })
          : store,
      inject: [ROAMLEDGER_CONFIG, EVENT_STORE, MODULE_DESCRIPTORS],
    },
  ],
  exports: [PROJECTION_EVENT_SOURCE],
})
export class KafkaProjectionSourceModule {}

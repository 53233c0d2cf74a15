import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, type EventStore, openEventStore } from '@roamledger/event-store';
import { loadConfig, ROAMLEDGER_CONFIG, type RoamledgerConfig } from './config';
import { HealthIndicators } from './health';
import { HealthController } from './health.controller';

@Injectable()
class EventStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * What every Roamledger process shares: its configuration, the event store it names, and
 * GET /health. Imported once by each app's root module.
 */
@Global()
@Module({})
export class ServiceModule {
  static forRoot(config: RoamledgerConfig = loadConfig()): DynamicModule {
    return {
      module: ServiceModule,
      controllers: [HealthController],
      providers: [
        { provide: ROAMLEDGER_CONFIG, useValue: config },
        { provide: EVENT_STORE, useFactory: () => openEventStore(config) },
        EventStoreLifecycle,
        HealthIndicators,
      ],
      exports: [ROAMLEDGER_CONFIG, EVENT_STORE, HealthIndicators],
    };
  }
}

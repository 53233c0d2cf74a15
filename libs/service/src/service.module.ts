import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore, openEventStore } from '@roamledger/event-store';
import { loadConfig, ROAMLEDGER_CONFIG, type RoamledgerConfig } from './config';
import { HealthController } from './health.controller';

@Injectable()
class EventStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * What every Roamledger process shares: its configuration, the event store it names, the
 * CommandBus its modules' command handlers register on, and GET /health. Imported once by each
 * app's root module.
 */
@Global()
@Module({})
export class ServiceModule {
  static forRoot(config: RoamledgerConfig = loadConfig()): DynamicModule {
    return {
      module: ServiceModule,
      imports: [CqrsModule.forRoot()],
      controllers: [HealthController],
      providers: [
        { provide: ROAMLEDGER_CONFIG, useValue: config },
        { provide: EVENT_STORE, useFactory: () => openEventStore(config) },
        EventStoreLifecycle,
      ],
      exports: [ROAMLEDGER_CONFIG, EVENT_STORE],
    };
  }
}

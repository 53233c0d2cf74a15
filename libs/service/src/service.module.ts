import { existsSync } from 'node:fs';
import path from 'node:path';
import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
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
        { provide: EVENT_STORE, useFactory: () => openStore(config) },
        EventStoreLifecycle,
      ],
      exports: [ROAMLEDGER_CONFIG, EVENT_STORE],
    };
  }
}

async function openStore(config: RoamledgerConfig): Promise<EventStore> {
  // PGlite's first start runs initdb for the log (and for the projections beside it): seconds of silence otherwise.
  if (config.eventStore === 'pglite' && !existsSync(path.join(config.dataDir, 'event-store', 'PG_VERSION'))) {
    new Logger('event-store').log(
      `Creating the embedded store in ${path.resolve(config.dataDir)} (first start only, a few seconds)…`,
    );
  }
  return openEventStore(config);
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore, openEventStore } from '@roamledger/event-store';
import { loadConfig, ROAMLEDGER_CONFIG, type RoamledgerConfig } from './config';
import { HealthIndicators } from './health';
import { HealthController } from './health.controller';
import { Leadership } from './leadership';
import { Metrics, MetricsController } from './metrics';
import { PartnerLimits } from './partner-limits';
import { StoreUnavailableFilter } from './store-unavailable.filter';

/**
 * A log line for a database connection lost outside any request (the pool drops it and opens
 * another on demand; requests meanwhile answer 503). At most one a second per source.
 */
export function connectionLost(source: string): (error: Error) => void {
  const logger = new Logger(source);
  let last = 0;
  return (error) => {
    if (Date.now() - last < 1000) return;
    last = Date.now();
    logger.warn(`database connection lost (${(error as { code?: string }).code ?? 'no code'}): ${error.message}; reconnecting`);
  };
}

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
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: ROAMLEDGER_CONFIG, useValue: config },
        {
          provide: EVENT_STORE,
          useFactory: async (metrics: Metrics) =>
            metrics.timeAppends(await openStore({ ...config, onConnectionError: connectionLost('event store') })),
          inject: [Metrics],
        },
        EventStoreLifecycle,
        HealthIndicators,
        PartnerLimits,
        Metrics,
        Leadership,
        { provide: APP_FILTER, useClass: StoreUnavailableFilter },
      ],
      exports: [ROAMLEDGER_CONFIG, EVENT_STORE, HealthIndicators, PartnerLimits, Metrics, Leadership],
    };
  }
}

async function openStore(config: Parameters<typeof openEventStore>[0] & RoamledgerConfig): Promise<EventStore> {
  // PGlite's first start runs initdb for the log (and for the projections beside it): seconds of silence otherwise.
  if (config.eventStore === 'pglite' && !existsSync(path.join(config.dataDir, 'event-store', 'PG_VERSION'))) {
    new Logger('event-store').log(
      `Creating the embedded store in ${path.resolve(config.dataDir)} (first start only, a few seconds)…`,
    );
  }
  return openEventStore(config);
}

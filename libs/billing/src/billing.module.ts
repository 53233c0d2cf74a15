import { Inject, Injectable, Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type SqlClient } from '@roamledger/event-store';
import { openProjectionDb, PROJECTION_EVENT_SOURCE, ProjectionHost } from '@roamledger/projections';
import { connectionLost, HealthIndicators, Metrics, ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { billingProjection } from './billing.projection';
import { BILLING_SETTINGS, type BillingSettings, billingSettings } from './billing-settings';
import { pricingProjection } from './cdr-pricing.projection';
import { BillingReadModel } from './finance/billing-read-model';
import { FinanceController } from './finance/finance.controller';
import { FINANCE_API_KEY, FinanceKeyGuard, loadFinanceApiKey } from './finance/finance-api-key';
import { PriceController } from './finance/price.controller';

/** DI token: the database holding the projection tables (PGlite folder or PostgreSQL schema). */
export const PROJECTION_DB = Symbol('PROJECTION_DB');

/**
 * Reports the projections on /health and /metrics, and stops following the log before the store closes
 * (module destroy runs before application shutdown).
 */
@Injectable()
class BillingLifecycle implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly host: ProjectionHost,
    @Inject(PROJECTION_DB) private readonly db: SqlClient,
    private readonly health: HealthIndicators,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.health.register({
      name: 'projections',
      check: async () => {
        const projections = await this.host.health();
        return { status: projections.every((p) => p.status === 'ok') ? 'ok' : 'degraded', projections };
      },
    });
    this.metrics.gauge(
      'roamledger_projection_lag_events',
      'Events in the log a projection has not applied',
      ['projection'],
      async () => (await this.host.health()).map((p) => [{ projection: p.projection }, p.lag]),
    );
    this.metrics.gauge(
      'roamledger_projection_poison_events',
      'Events a projection could not apply and stepped over (rl_projection_poison)',
      ['projection'],
      async () => (await this.host.health()).map((p) => [{ projection: p.projection }, p.poison_events]),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.host.stop();
    await this.db.close();
  }
}

/**
 * Billing: the billing projection (CDR ledger, session view, partner statements) kept current
 * from the event log in this process, and the finance API under /finance.
 */
@Module({
  controllers: [FinanceController, PriceController],
  providers: [
    { provide: BILLING_SETTINGS, useFactory: billingSettings, inject: [ROAMLEDGER_CONFIG] },
    {
      provide: PROJECTION_DB,
      useFactory: (config: RoamledgerConfig) =>
        openProjectionDb({
          dataDir: config.dataDir,
          databaseUrl: config.databaseUrl,
          onConnectionError: connectionLost('projections'),
        }),
      inject: [ROAMLEDGER_CONFIG],
    },
    {
      provide: ProjectionHost,
      // Started before the app serves: the views exist by the first request.
      useFactory: async (store: EventStore, db: SqlClient, settings: BillingSettings, source: EventStore | undefined) => {
        const host = new ProjectionHost(source ?? store, db, [
          billingProjection(settings),
          pricingProjection({ toleranceMinorUnits: settings.pricingToleranceMinorUnits }),
        ]);
        await host.start();
        return host;
      },
      inject: [EVENT_STORE, PROJECTION_DB, BILLING_SETTINGS, { token: PROJECTION_EVENT_SOURCE, optional: true }],
    },
    { provide: BillingReadModel, useFactory: (db: SqlClient) => new BillingReadModel(db), inject: [PROJECTION_DB] },
    { provide: FINANCE_API_KEY, useFactory: loadFinanceApiKey, inject: [ROAMLEDGER_CONFIG] },
    FinanceKeyGuard,
    BillingLifecycle,
  ],
  exports: [ProjectionHost, BillingReadModel, PROJECTION_DB],
})
export class BillingModule {}

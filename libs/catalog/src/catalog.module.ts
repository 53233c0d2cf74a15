import path from 'node:path';
import { Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type SqlClient } from '@roamledger/event-store';
import { openProjectionDb, PROJECTION_EVENT_SOURCE, ProjectionHost, retireProjectionFolder } from '@roamledger/projections';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { CatalogController } from './catalog.controller';
import { catalogProjection } from './catalog.projection';
import { CATALOG_API_KEY, CatalogKeyGuard, loadCatalogApiKey } from './catalog-api-key';
import { CatalogReadModel } from './catalog-read-model';

/** DI tokens: the catalog's projection database and its host (apart from billing's, so either runs alone). */
export const CATALOG_DB = Symbol('CATALOG_DB');
export const CATALOG_HOST = Symbol('CATALOG_HOST');

/** Stops following the log before the store closes. */
@Injectable()
class CatalogLifecycle implements OnModuleDestroy {
  constructor(
    @Inject(CATALOG_HOST) private readonly host: ProjectionHost,
    @Inject(CATALOG_DB) private readonly db: SqlClient,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.host.stop();
    await this.db.close();
  }
}

/**
 * The catalog: the catalog projection (location tree, EVSE status history, tariff versions) kept
 * current from the log in this process, and the /catalog API. Its tables live beside billing's, in
 * PostgreSQL (DATABASE_URL, schema rl_projections) or in the process's PGlite folder,
 * DATA_DIR/projections; its own host and tables, so either module runs alone.
 */
@Module({
  controllers: [CatalogController],
  providers: [
    {
      provide: CATALOG_DB,
      useFactory: async (config: RoamledgerConfig) => {
        const db = await openProjectionDb({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
        if (!config.databaseUrl) retireProjectionFolder(config.dataDir, path.join('catalog', 'projections'), 'catalog');
        return db;
      },
      inject: [ROAMLEDGER_CONFIG],
    },
    {
      provide: CATALOG_HOST,
      useFactory: async (store: EventStore, db: SqlClient, source: EventStore | undefined) => {
        const host = new ProjectionHost(source ?? store, db, [catalogProjection()]);
        await host.start();
        return host;
      },
      inject: [EVENT_STORE, CATALOG_DB, { token: PROJECTION_EVENT_SOURCE, optional: true }],
    },
    { provide: CatalogReadModel, useFactory: (db: SqlClient) => new CatalogReadModel(db), inject: [CATALOG_DB] },
    { provide: CATALOG_API_KEY, useFactory: loadCatalogApiKey, inject: [ROAMLEDGER_CONFIG] },
    CatalogKeyGuard,
    CatalogLifecycle,
  ],
  exports: [CATALOG_HOST, CatalogReadModel],
})
export class CatalogModule {}

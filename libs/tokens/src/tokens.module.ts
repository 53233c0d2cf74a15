import path from 'node:path';
import { Global, Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type SqlClient } from '@roamledger/event-store';
import { TOKEN_REGISTER } from '@roamledger/module-kit';
import { OcpiTransportModule } from '@roamledger/ocpi-transport';
import { openProjectionDb, PROJECTION_EVENT_SOURCE, ProjectionHost, retireProjectionFolder } from '@roamledger/projections';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { AdminAuthorizationsController, AdminTokensController } from './admin/admin-tokens.controller';
import { AuthorizationFindings } from './authorization-findings';
import { AllowedPartnersRule, AUTHORIZATION_RULES } from './authorization-rules';
import { LiveTokenStates } from './live-token-states';
import { AuthorizeTokenHandler, IssueTokenHandler, PatchTokenHandler, PutTokenHandler, TokenStreams } from './token.commands';
import { TokenPusher } from './token-pusher';
import { TokenReadModel } from './token-read-model';
import { tokenRegisterProjection } from './token-register.projection';
import { TokensController } from './tokens.controller';

/** TOKEN_REGISTER for every module of the process (commands fill `{uid, type}` tokens from it). */
@Global()
@Module({
  providers: [TokenStreams, { provide: TOKEN_REGISTER, useExisting: TokenStreams }],
  exports: [TokenStreams, TOKEN_REGISTER],
})
export class TokenRegisterModule {}

/** DI token: the database of the token register projection. */
export const TOKEN_PROJECTION_DB = Symbol('TOKEN_PROJECTION_DB');

@Injectable()
class TokenProjectionLifecycle implements OnModuleDestroy {
  constructor(
    private readonly host: ProjectionHost,
    @Inject(TOKEN_PROJECTION_DB) private readonly db: SqlClient,
    private readonly findings: AuthorizationFindings,
  ) {}

  async onModuleDestroy(): Promise<void> {
    // The findings read this database: stopped first, or a look in flight meets it closed.
    await this.findings.stop();
    await this.host.stop();
    await this.db.close();
  }
}

/**
 * mod_tokens, eMSP side (we are the Sender): the register and its admin API, the pull interface
 * and real-time authorization for CPOs, and the push of every change to their receivers.
 */
@Module({
  imports: [OcpiTransportModule, TokenRegisterModule],
  controllers: [TokensController, AdminTokensController, AdminAuthorizationsController],
  providers: [
    IssueTokenHandler,
    PutTokenHandler,
    PatchTokenHandler,
    AuthorizeTokenHandler,
    LiveTokenStates,
    AllowedPartnersRule,
    {
      provide: AUTHORIZATION_RULES,
      useFactory: (allowedPartners: AllowedPartnersRule) => [allowedPartners],
      inject: [AllowedPartnersRule],
    },
    TokenPusher,
    {
      provide: TOKEN_PROJECTION_DB,
      // Its own schema, in PostgreSQL or in the process's PGlite folder (DATA_DIR/projections).
      useFactory: async (config: RoamledgerConfig) => {
        const db = await openProjectionDb({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, schema: 'rl_tokens' });
        if (!config.databaseUrl) retireProjectionFolder(config.dataDir, path.join('tokens', 'projections'), 'tokens');
        return db;
      },
      inject: [ROAMLEDGER_CONFIG],
    },
    {
      provide: ProjectionHost,
      useFactory: async (store: EventStore, db: SqlClient, source: EventStore | undefined) => {
        const host = new ProjectionHost(source ?? store, db, [tokenRegisterProjection()]);
        await host.start();
        return host;
      },
      inject: [EVENT_STORE, TOKEN_PROJECTION_DB, { token: PROJECTION_EVENT_SOURCE, optional: true }],
    },
    { provide: TokenReadModel, useFactory: (db: SqlClient) => new TokenReadModel(db), inject: [TOKEN_PROJECTION_DB] },
    TokenProjectionLifecycle,
    AuthorizationFindings,
  ],
  exports: [TokenPusher, TokenReadModel],
})
export class TokensModule {}

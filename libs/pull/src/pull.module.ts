import { Module } from '@nestjs/common';
import { ADMIN_API_KEY, AdminKeyGuard, loadAdminApiKey } from '@roamledger/credentials';
import { ROAMLEDGER_CONFIG } from '@roamledger/service';
import { AdminPullController } from './admin-pull.controller';
import { PULL_SETTINGS, PullService, pullSettingsFromEnv } from './pull.service';

/**
 * Pulling partners' Sender interfaces: PullService (scheduled, and on demand), and
 * POST /admin/pull[/:partnerId] behind the admin key. Imported by the Sessions and CDRs modules,
 * which register their PullTarget. Partners come from a PULL_SOURCE provider, or else the
 * credentials module's PartnerDirectory.
 */
@Module({
  controllers: [AdminPullController],
  providers: [
    PullService,
    { provide: PULL_SETTINGS, useFactory: () => pullSettingsFromEnv() },
    // The same key as /admin/partners (ADMIN_API_KEY, or the one generated in DATA_DIR).
    { provide: ADMIN_API_KEY, useFactory: loadAdminApiKey, inject: [ROAMLEDGER_CONFIG] },
    AdminKeyGuard,
  ],
  exports: [PullService],
})
export class PullModule {}

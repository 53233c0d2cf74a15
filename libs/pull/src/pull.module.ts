import { Module } from '@nestjs/common';
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
  // AdminKeyGuard (the same key as /admin/partners) comes from the global PartnersModule.
  providers: [PullService, { provide: PULL_SETTINGS, useFactory: () => pullSettingsFromEnv() }],
  exports: [PullService],
})
export class PullModule {}

import { Module } from '@nestjs/common';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { AdminPullController } from './admin-pull.controller';
import { PULL_SETTINGS, PullService, type PullSettings } from './pull.service';

/**
 * Pulling partners' Sender interfaces: PullService (scheduled, and on demand), and
 * POST /admin/pull[/:partnerId] behind the admin key, for every module whose descriptor offers a
 * pull (their command handlers must run in the same process). Partners come from a PULL_SOURCE
 * provider, or else the credentials module's PartnerDirectory.
 */
@Module({
  controllers: [AdminPullController],
  // AdminKeyGuard (the same key as /admin/partners) comes from the global PartnersModule.
  providers: [
    PullService,
    {
      provide: PULL_SETTINGS,
      useFactory: ({ pull }: RoamledgerConfig): PullSettings => ({
        intervalMs: pull.intervalSeconds * 1000,
        firstLookbackMs: pull.firstLookbackDays * 86_400_000,
        overlapMs: pull.overlapSeconds * 1000,
      }),
      inject: [ROAMLEDGER_CONFIG],
    },
  ],
  exports: [PullService],
})
export class PullModule {}

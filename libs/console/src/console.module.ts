import { Module } from '@nestjs/common';
import { ROAMLEDGER_CONFIG } from '@roamledger/service';
import { AuditApiController } from './audit-api.controller';
import { AUDIT_API_KEY, AuditKeyGuard, loadAuditApiKey } from './audit-api-key';
import { CONSOLE_ASSETS, ConsoleController } from './console.controller';
import { loadConsoleAssets } from './console-assets';
import { PartnerContacts } from './partner-contacts';

/**
 * The finance and audit console at /console (static files calling /finance and /audit) and the
 * read-only audit API under /audit. Runs where the finance API runs: the hub, and the billing
 * service in service mode.
 */
@Module({
  controllers: [ConsoleController, AuditApiController],
  providers: [
    { provide: CONSOLE_ASSETS, useFactory: loadConsoleAssets },
    { provide: AUDIT_API_KEY, useFactory: loadAuditApiKey, inject: [ROAMLEDGER_CONFIG] },
    AuditKeyGuard,
    PartnerContacts,
  ],
})
export class ConsoleModule {}

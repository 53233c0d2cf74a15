import { Module } from '@nestjs/common';
import { AuditModule } from '@roamledger/audit';
import { CdrsModule } from '@roamledger/cdrs';
import { PartnersModule } from '@roamledger/credentials';
import { MessagingModule } from '@roamledger/messaging';
import { bootstrapService, ServiceModule } from '@roamledger/service';

/** The CDRs receiver on its own, with the pull of CPOs' CDRs Sender interfaces. */
@Module({})
class CdrsService {}

void bootstrapService('cdrs', (config) => ({
  module: CdrsService,
  // PartnersModule: who is calling (the credentials token) and whom to pull.
  imports: [ServiceModule.forRoot(config), PartnersModule, CdrsModule, MessagingModule, AuditModule.forRoot()],
}));

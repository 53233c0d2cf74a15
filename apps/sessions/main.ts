import { Module } from '@nestjs/common';
import { AuditModule } from '@roamledger/audit';
import { PartnersModule } from '@roamledger/credentials';
import { MessagingModule } from '@roamledger/messaging';
import { bootstrapService, ServiceModule } from '@roamledger/service';
import { SessionsModule } from '@roamledger/sessions';

/** The Sessions receiver on its own, with the pull of CPOs' Sessions Sender interfaces. */
@Module({})
class SessionsService {}

void bootstrapService('sessions', (config) => ({
  module: SessionsService,
  // PartnersModule: who is calling (the credentials token) and whom to pull.
  imports: [ServiceModule.forRoot(config), PartnersModule, SessionsModule, MessagingModule, AuditModule.forRoot()],
}));

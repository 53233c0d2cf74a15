import { Module } from '@nestjs/common';
import { AuditModule } from '@roamledger/audit';
import { CredentialsModule } from '@roamledger/credentials';
import { MessagingModule } from '@roamledger/messaging';
import { bootstrapService, ServiceModule } from '@roamledger/service';

/** The credentials module on its own: /ocpi/2.2.1/credentials and the /admin/partners API. */
@Module({})
class CredentialsService {}

void bootstrapService('credentials', (config) => ({
  module: CredentialsService,
  imports: [ServiceModule.forRoot(config), CredentialsModule, MessagingModule, AuditModule.forRoot()],
}));

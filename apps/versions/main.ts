import { Module } from '@nestjs/common';
import { AuditModule } from '@roamledger/audit';
import { VersionsModule } from '@roamledger/credentials';
import { MessagingModule } from '@roamledger/messaging';
import { bootstrapService, ServiceModule } from '@roamledger/service';

/** The versions module on its own: GET /ocpi/versions and /ocpi/versions/2.2.1. */
@Module({})
class VersionsService {}

void bootstrapService('versions', (config) => ({
  module: VersionsService,
  imports: [ServiceModule.forRoot(config), VersionsModule, MessagingModule, AuditModule.forRoot()],
}));

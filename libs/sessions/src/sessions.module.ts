import { Module } from '@nestjs/common';
import { OcpiTransportModule } from '@roamledger/ocpi-transport';
import { PatchSessionHandler, PutSessionHandler } from './session.commands';
import { SessionFactsModule } from './session-facts';
import { SessionsController } from './sessions.controller';

/** The eMSP Sessions receiver; its commands (PutSession, PatchSession) also take pulled Sessions. */
@Module({
  imports: [OcpiTransportModule, SessionFactsModule],
  controllers: [SessionsController],
  providers: [PutSessionHandler, PatchSessionHandler],
})
export class SessionsModule {}

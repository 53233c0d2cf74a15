import { Module } from '@nestjs/common';
import { OcpiTransportModule } from '@roamledger/ocpi-transport';
import { PullModule } from '@roamledger/pull';
import { SessionCommands } from './session.commands';
import { SessionPull } from './session.pull';
import { SessionsController } from './sessions.controller';

/** The eMSP Sessions receiver, and the pull of CPOs' Sessions Sender interfaces. */
@Module({
  imports: [OcpiTransportModule, PullModule],
  controllers: [SessionsController],
  providers: [SessionCommands, SessionPull],
  exports: [SessionCommands],
})
export class SessionsModule {}

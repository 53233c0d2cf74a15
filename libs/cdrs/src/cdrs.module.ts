import { Module } from '@nestjs/common';
import { OcpiTransportModule } from '@roamledger/ocpi-transport';
import { PullModule } from '@roamledger/pull';
import { CdrCommands } from './cdr.commands';
import { CdrPull } from './cdr.pull';
import { CdrsController } from './cdrs.controller';

/** The eMSP CDRs receiver, and the pull of CPOs' CDRs Sender interfaces. */
@Module({
  imports: [OcpiTransportModule, PullModule],
  controllers: [CdrsController],
  providers: [CdrCommands, CdrPull],
  exports: [CdrCommands],
})
export class CdrsModule {}

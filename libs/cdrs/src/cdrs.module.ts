import { Module } from '@nestjs/common';
import { OcpiTransportModule } from '@roamledger/ocpi-transport';
import { CdrStreams, ReceiveCdrHandler } from './cdr.commands';
import { CdrsController } from './cdrs.controller';

/**
 * The eMSP CDRs receiver; its command (ReceiveCdr) also takes pulled CDRs. Needs SESSION_FACTS
 * (the sessions module's SessionFactsModule) for its checks.
 */
@Module({
  imports: [OcpiTransportModule],
  controllers: [CdrsController],
  providers: [CdrStreams, ReceiveCdrHandler],
  exports: [CdrStreams],
})
export class CdrsModule {}

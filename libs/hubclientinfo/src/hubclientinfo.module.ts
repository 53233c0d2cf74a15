import { Global, Module } from '@nestjs/common';
import { PARTY_REACHABILITY } from '@roamledger/module-kit';
import { OcpiTransportModule } from '@roamledger/ocpi-transport';
import { ClientInfoStreams, PutClientInfoHandler } from './client-info.commands';
import { ClientInfoController } from './client-info.controller';

/**
 * mod_hub_client_info, receiver: the connection status of the parties behind a hub, and
 * PARTY_REACHABILITY for the modules of the process that call parties (tokens push, commands).
 */
@Global()
@Module({
  imports: [OcpiTransportModule],
  controllers: [ClientInfoController],
  providers: [ClientInfoStreams, PutClientInfoHandler, { provide: PARTY_REACHABILITY, useExisting: ClientInfoStreams }],
  exports: [PARTY_REACHABILITY],
})
export class HubClientInfoModule {}

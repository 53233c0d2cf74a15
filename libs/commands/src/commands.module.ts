import { Module } from '@nestjs/common';
import { OcpiTransportModule } from '@roamledger/ocpi-transport';
import { ROAMLEDGER_CONFIG } from '@roamledger/service';
import { APP_API_KEY, AppKeyGuard, loadAppApiKey } from './app-api-key';
import { AppCommandsController } from './app-commands.controller';
import {
  CommandDispatcher,
  CommandStreams,
  ReceiveCommandResultHandler,
  SendCommandHandler,
  TimeOutCommandHandler,
} from './command.commands';
import { CommandTimeouts } from './command-timeouts';
import { CommandsController } from './commands.controller';

/**
 * mod_commands, eMSP side (we are the Sender): the driver-app API that sends commands to CPOs,
 * and the interface where CPOs post their results. Needs PARTNER_LINKS and TOKEN_REGISTER.
 */
@Module({
  imports: [OcpiTransportModule],
  controllers: [CommandsController, AppCommandsController],
  providers: [
    CommandStreams,
    CommandDispatcher,
    SendCommandHandler,
    ReceiveCommandResultHandler,
    TimeOutCommandHandler,
    CommandTimeouts,
    { provide: APP_API_KEY, useFactory: loadAppApiKey, inject: [ROAMLEDGER_CONFIG] },
    AppKeyGuard,
  ],
  exports: [CommandStreams],
})
export class CommandsModule {}

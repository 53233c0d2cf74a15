import { defineModule } from '@roamledger/module-kit';
import { InterfaceRole, ModuleID } from '@roamledger/ocpi/values';
import { APP_COMMANDS_ROUTE } from './app-commands.controller';
import { COMMANDS_ROUTE, COMMANDS_ROUTES } from './command.commands';
import { COMMAND_STREAM_PREFIX, commandDecider } from './command.decider';
import { COMMAND_EVENT_TYPES } from './command.events';
import { CommandsModule } from './commands.module';

/** mod_commands, eMSP side: driver apps' commands to CPOs, and the CPOs' asynchronous results. */
export const commandsDescriptor = defineModule({
  name: 'commands',
  description: "OCPI Commands sender (eMSP): the driver-app API, commands to CPOs' receivers and their results",
  nestModule: CommandsModule,
  routes: [...Object.values(COMMANDS_ROUTES), APP_COMMANDS_ROUTE],
  endpoints: [{ identifier: ModuleID.COMMANDS, role: InterfaceRole.SENDER, route: COMMANDS_ROUTE, versions: COMMANDS_ROUTES }],
  streams: [{ prefix: COMMAND_STREAM_PREFIX, aggregate: 'Command', decider: commandDecider }],
  eventTypes: COMMAND_EVENT_TYPES,
});

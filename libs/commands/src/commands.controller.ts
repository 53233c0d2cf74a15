import { Body, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CommandResult, v211 } from '@roamledger/ocpi';
import { Exchange, OcpiController, type OcpiExchange, OcpiStatus, ocpiResponse, parseOcpiBody } from '@roamledger/ocpi-transport';
import type { FastifyReply } from 'fastify';
import { COMMANDS_ROUTES, ReceiveCommandResult } from './command.commands';

/**
 * mod_commands Sender interface (eMSP): the CPO POSTs the CommandResult to the response_url we
 * gave it, `<route>/<COMMAND>/<command id>`. A result for a command we never sent, one already
 * finished (answered, timed out) or one sent to another partner is kept in the log and refused.
 */
@OcpiController(Object.values(COMMANDS_ROUTES))
export class CommandsController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':command/:id')
  async result(
    @Exchange() exchange: OcpiExchange,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    // 2.1.1 posts a CommandResponse here (a result only), mapped to the model's CommandResult.
    const result =
      exchange.version === '2.1.1'
        ? (v211.commandResultFrom211(parseOcpiBody(v211.CommandResponse211, body)) as CommandResult)
        : parseOcpiBody(CommandResult, body);
    if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) {
      reply.status(404);
      return ocpiResponse(null, OcpiStatus.ClientError, `Unknown command ${id}`);
    }
    const handled = await this.commands.execute(
      new ReceiveCommandResult(id, result, exchange.partner?.partnerId ?? 'unknown', {
        cause: exchange.requestEvent(),
        metadata: exchange.metadata(),
      }),
    );
    const refused = handled.events.find((event) => event.type === 'CommandResultRefused');
    if (refused) {
      // Unknown (or not yours): 404 as for any object the partner cannot see; finished: a client error.
      const reason = refused.data.reason;
      reply.status(reason === 'already_finished' ? 200 : 404);
      return ocpiResponse(
        null,
        OcpiStatus.ClientError,
        reason === 'already_finished'
          ? `Command ${id} is already finished (${handled.state.status}): the result is kept, not applied`
          : `Unknown command ${id}`,
      );
    }
    return ocpiResponse(null);
  }
}

import { BadRequestException, Body, Controller, Get, HttpCode, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CommandType } from '@roamledger/ocpi';
import { ApiDocument } from '@roamledger/service';
import { APP_API, AppKeyGuard } from './app-api-key';
import { AppCommand, AppCommandAccepted, AppCommandRequest, AppError } from './app-commands.dto';
import { CommandRequestError, CommandStreams, SendCommand } from './command.commands';
import type { CommandState } from './command.decider';

export const APP_COMMANDS_ROUTE = 'api/commands';

const COMMAND_TYPES = new Set<string>(Object.values(CommandType));

/** The driver app's commands: sent to the CPO at once, answered 202; their outcome by id. */
@Controller(APP_COMMANDS_ROUTE)
@UseGuards(AppKeyGuard)
@ApiDocument(APP_API)
@ApiUnauthorizedResponse({ type: AppError, description: 'No or a wrong `Authorization: Bearer <APP_API_KEY>`.' })
export class AppCommandsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly streams: CommandStreams,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: "Sends a command to the CPO's Commands receiver; its outcome comes later (GET by id)" })
  @ApiBody({ type: AppCommandRequest })
  @ApiAcceptedResponse({ type: AppCommandAccepted })
  @ApiBadRequestResponse({ type: AppError, description: 'Invalid body, or a `{uid, type}` token not in the register.' })
  @ApiNotFoundResponse({ type: AppError, description: 'No registered CPO for `to` with a Commands receiver.' })
  async send(@Body() body: unknown): Promise<AppCommandAccepted> {
    const request = parse(body);
    try {
      const { id } = await this.commands.execute(new SendCommand(request.to, request.command, request.body));
      return { id, status: 'PENDING' };
    } catch (error) {
      if (error instanceof CommandRequestError) {
        if (error.kind === 'unknown_receiver')
          throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: error.errors });
        throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: error.errors });
      }
      throw error;
    }
  }

  @Get(':id')
  @ApiOperation({ summary: 'A command: its status, the CPO response and the result' })
  @ApiOkResponse({ type: AppCommand })
  @ApiNotFoundResponse({ type: AppError, description: 'No command with this id.' })
  async get(@Param('id') id: string): Promise<AppCommand> {
    const state = /^[0-9a-f-]{36}$/i.test(id) ? await this.streams.state(id) : undefined;
    if (!state?.requested) throw new NotFoundException(`Unknown command ${id}`);
    return appJson(state);
  }
}

export function appJson(state: CommandState): AppCommand {
  const requested = state.requested as NonNullable<CommandState['requested']>;
  return {
    id: requested.command_id,
    command: requested.command,
    status: state.status ?? 'PENDING',
    response: state.response ?? null,
    result: state.result ?? null,
    authorization_reference: requested.authorization_reference ?? null,
    failure: state.failure ?? null,
  };
}

function parse(body: unknown): AppCommandRequest {
  const errors: string[] = [];
  const request = (body ?? {}) as Partial<AppCommandRequest>;
  if (!request.to || typeof request.to.country_code !== 'string' || typeof request.to.party_id !== 'string') {
    errors.push('to must be {"country_code", "party_id"}');
  }
  if (typeof request.command !== 'string' || !COMMAND_TYPES.has(request.command)) {
    errors.push(`command must be one of ${[...COMMAND_TYPES].join(', ')}`);
  }
  if (!request.body || typeof request.body !== 'object' || Array.isArray(request.body))
    errors.push('body must be the command object');
  else if ('response_url' in request.body) errors.push('body.response_url is ours to set: leave it out');
  if (errors.length) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: errors });
  return request as AppCommandRequest;
}

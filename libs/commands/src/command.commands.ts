import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  currentState,
  EVENT_STORE,
  type EventStore,
  type Handled,
  type HandleOptions,
  handleCommand,
} from '@roamledger/event-store';
import {
  PARTNER_LINKS,
  PARTY_REACHABILITY,
  type PartnerLink,
  type PartnerLinksPort,
  type PartyReachabilityPort,
  publicRouteUrl,
  TOKEN_REGISTER,
  type TokenRegisterPort,
  versionRoutes,
} from '@roamledger/module-kit';
import {
  CancelReservation,
  CommandResponse,
  type CommandResult,
  CommandType,
  ReserveNow,
  Role,
  StartSession,
  StopSession,
  UnlockConnector,
  v211,
  validateOcpi,
} from '@roamledger/ocpi';
import { ModuleID } from '@roamledger/ocpi/values';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import type { ClassConstructor } from 'class-transformer';
import { type CommandCommand, type CommandState, commandDecider, commandStream } from './command.decider';
import type { CommandEvent } from './command.events';

/** Where CPOs POST their CommandResults: `<route>/<COMMAND>/<command id>`. */
export const COMMANDS_ROUTE = 'ocpi/emsp/2.2.1/commands';
/** In every version: 2.3.0's commands are 2.2.1's; 2.1.1's are mapped at the edge (v211). */
export const COMMANDS_ROUTES = versionRoutes('ocpi/emsp/{version}/commands');
/**
 * How long we wait for a 2.1.1 CPO's result: its CommandResponse gives no timeout (2.2 added it).
 * Five minutes covers a driver plugging in after a START_SESSION.
 */
export const RESULT_WAIT_211_SECONDS = 300;

export type CommandHandled = Handled<CommandEvent, CommandState>;

const REQUEST_CLASSES: Record<CommandType, ClassConstructor<object>> = {
  [CommandType.START_SESSION]: StartSession,
  [CommandType.STOP_SESSION]: StopSession,
  [CommandType.RESERVE_NOW]: ReserveNow,
  [CommandType.CANCEL_RESERVATION]: CancelReservation,
  [CommandType.UNLOCK_CONNECTOR]: UnlockConnector,
};

/** Why a driver app's command could not be requested: an invalid body, or no CPO to send it to. */
export class CommandRequestError extends Error {
  constructor(
    readonly kind: 'invalid' | 'unknown_receiver' | 'unknown_token',
    readonly errors: string[],
  ) {
    super(errors.join('; '));
    this.name = 'CommandRequestError';
  }
}

export interface CommandTarget {
  country_code: string;
  party_id: string;
}

/** A driver app's command (POST /api/commands): recorded PENDING, then sent to the CPO. */
export class SendCommand extends Command<{ id: string; state: CommandState }> {
  constructor(
    readonly to: CommandTarget,
    readonly command: CommandType,
    readonly body: Record<string, unknown>,
  ) {
    super();
  }
}

/** The CPO's CommandResult on our response_url. */
export class ReceiveCommandResult extends Command<CommandHandled> {
  constructor(
    readonly commandId: string,
    readonly result: CommandResult,
    readonly partnerId: string,
    readonly options: HandleOptions = {},
  ) {
    super();
  }
}

/**
 * The CommandResponse's deadline passed (`at`: now); recorded once, and only after the deadline.
 * `deadline`: for a response recorded without one, the one CommandTimeouts derived from the log.
 */
export class TimeOutCommand extends Command<CommandHandled> {
  constructor(
    readonly commandId: string,
    readonly at: string,
    readonly deadline?: string,
  ) {
    super();
  }
}

/** Commands as the log holds them. */
@Injectable()
export class CommandStreams {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  handle(commandId: string, command: CommandCommand, options: HandleOptions = {}): Promise<CommandHandled> {
    return handleCommand(this.store, commandStream(commandId), commandDecider, command, options);
  }

  async state(commandId: string): Promise<CommandState> {
    return (await currentState(this.store, commandStream(commandId), commandDecider)).state;
  }
}

export interface CommandTimingOptions {
  /** Per request to the CPO. */
  requestTimeoutMs: number;
}

export const COMMAND_TIMING = Symbol('COMMAND_TIMING');

/**
 * Sends recorded commands to the CPO's Commands receiver and records its CommandResponse (an
 * ACCEPTED one with its deadline; CommandTimeouts records the timeout from the log).
 */
@Injectable()
export class CommandDispatcher implements OnApplicationShutdown {
  private readonly logger = new Logger('commands');
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly streams: CommandStreams,
    @Inject(PARTNER_LINKS) private readonly partners: PartnerLinksPort,
    @Optional() @Inject(PARTY_REACHABILITY) private readonly reachability?: PartyReachabilityPort,
    @Optional() @Inject(COMMAND_TIMING) private readonly timing: CommandTimingOptions = { requestTimeoutMs: 10_000 },
  ) {}

  dispatch(commandId: string, link: PartnerLink, state: CommandState): void {
    const work = this.send(commandId, link, state).catch((error) =>
      this.logger.error(`command ${commandId}: ${(error as Error).message}`),
    );
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async send(commandId: string, link: PartnerLink, state: CommandState): Promise<void> {
    const requested = state.requested;
    if (!requested) return;
    const to = { countryCode: requested.to.country_code, partyId: requested.to.party_id };
    const status = await this.reachability?.unreachable(to);
    if (status) {
      await this.streams.handle(commandId, {
        type: 'RecordSkipped',
        commandId,
        reason: `the hub reports ${requested.to.country_code}*${requested.to.party_id} ${status}`,
      });
      return;
    }
    const endpoint = link.endpoint(ModuleID.COMMANDS, 'RECEIVER');
    let response: CommandResponse;
    try {
      if (!endpoint) throw new Error('the partner offers no Commands receiver');
      const from = requested.token ? { countryCode: requested.token.country_code, partyId: requested.token.party_id } : undefined;
      const client = await this.partners.client(link.partnerId, {
        ...(from ? { fromParty: from } : {}),
        toParty: to,
        retries: 0,
        timeoutMs: this.timing.requestTimeoutMs,
      });
      const answer = await client.post<unknown>(`${endpoint.replace(/\/+$/, '')}/${requested.command}`, requested.request);
      const parsed =
        link.version === '2.1.1' ? validateOcpi(v211.CommandResponse211, answer) : validateOcpi(CommandResponse, answer);
      if (!parsed.ok) throw new Error(`the CPO answered no valid CommandResponse: ${parsed.errors.join('; ')}`);
      response =
        parsed.value instanceof v211.CommandResponse211
          ? (v211.commandResponseFrom211(parsed.value, RESULT_WAIT_211_SECONDS) as CommandResponse)
          : parsed.value;
    } catch (error) {
      await this.streams.handle(commandId, { type: 'RecordSendFailure', commandId, reason: (error as Error).message });
      return;
    }
    await this.streams.handle(commandId, { type: 'RecordResponse', commandId, response, receivedAt: new Date().toISOString() });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}

/** A reference for a START_SESSION or RESERVE_NOW without one: the session will carry it. */
function newAuthorizationReference(): string {
  return `RC${randomBytes(15).toString('base64url').replace(/[-_]/g, 'X').toUpperCase()}`;
}

@CommandHandler(SendCommand)
export class SendCommandHandler implements ICommandHandler<SendCommand, { id: string; state: CommandState }> {
  constructor(
    private readonly streams: CommandStreams,
    private readonly dispatcher: CommandDispatcher,
    @Inject(PARTNER_LINKS) private readonly partners: PartnerLinksPort,
    @Inject(TOKEN_REGISTER) private readonly tokens: TokenRegisterPort,
    @Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig,
  ) {}

  async execute({ to, command, body }: SendCommand): Promise<{ id: string; state: CommandState }> {
    const link = await this.receiver(to);
    const in211 = link.version === '2.1.1';
    const id = randomUUID();
    const route = in211 ? COMMANDS_ROUTES['2.1.1'] : COMMANDS_ROUTE;
    const request: Record<string, unknown> = {
      ...body,
      response_url: publicRouteUrl(this.config.publicUrl, `${route}/${command}/${id}`),
    };
    let tokenRef: { country_code: string; party_id: string; uid: string; type: string } | undefined;
    if (command === CommandType.START_SESSION || command === CommandType.RESERVE_NOW) {
      const token = await this.token(body.token);
      request.token = token;
      tokenRef = {
        country_code: token.country_code as string,
        party_id: token.party_id as string,
        uid: token.uid as string,
        type: token.type as string,
      };
      request.authorization_reference ??= newAuthorizationReference();
    }
    const parsed = validateOcpi(REQUEST_CLASSES[command], request);
    if (!parsed.ok) throw new CommandRequestError('invalid', parsed.errors);
    // The log keeps what the CPO is sent: for a 2.1.1 CPO, the request in 2.1.1's shape.
    const mapped = in211 ? v211.commandTo211(command, request) : { ok: true as const, request };
    if (!mapped.ok)
      throw new CommandRequestError('invalid', [`${mapped.reason}, which ${to.country_code}*${to.party_id} speaks`]);
    const handled = await this.streams.handle(id, {
      type: 'RequestCommand',
      requested: {
        command_id: id,
        command,
        partner_id: link.partnerId,
        to: { country_code: to.country_code.toUpperCase(), party_id: to.party_id.toUpperCase() },
        request: mapped.request,
        ...(!in211 && typeof request.authorization_reference === 'string'
          ? { authorization_reference: request.authorization_reference }
          : {}),
        ...(tokenRef ? { token: tokenRef } : {}),
        requested_at: new Date().toISOString(),
      },
    });
    this.dispatcher.dispatch(id, link, handled.state);
    return { id, state: handled.state };
  }

  /** The registered CPO that holds the party and offers a Commands receiver. */
  private async receiver(to: CommandTarget): Promise<PartnerLink> {
    const party = (p: { countryCode: string; partyId: string }) =>
      p.countryCode === to.country_code.toUpperCase() && p.partyId === to.party_id.toUpperCase();
    const links = await this.partners.list();
    const link = links.find(
      (l) => l.parties.some((p) => p.role === Role.CPO && party(p)) && l.endpoint(ModuleID.COMMANDS, 'RECEIVER'),
    );
    if (!link) {
      throw new CommandRequestError('unknown_receiver', [
        `No registered CPO ${to.country_code}*${to.party_id} with a Commands receiver`,
      ]);
    }
    return link;
  }

  /** A full Token as given, or `{uid, type}` filled from our register. */
  private async token(given: unknown): Promise<Record<string, unknown>> {
    if (!given || typeof given !== 'object') throw new CommandRequestError('invalid', ['body.token is required']);
    const token = given as Record<string, unknown>;
    if (token.country_code && token.contract_id) return token;
    if (typeof token.uid !== 'string') throw new CommandRequestError('invalid', ['body.token needs at least its uid']);
    const found = await this.tokens.findOurs(token.uid, typeof token.type === 'string' ? token.type.toUpperCase() : 'RFID');
    if (!found) throw new CommandRequestError('unknown_token', [`No token ${token.type ?? 'RFID'} ${token.uid} in our register`]);
    return found as unknown as Record<string, unknown>;
  }
}

@CommandHandler(ReceiveCommandResult)
export class ReceiveCommandResultHandler implements ICommandHandler<ReceiveCommandResult, CommandHandled> {
  constructor(private readonly streams: CommandStreams) {}

  execute({ commandId, result, partnerId, options }: ReceiveCommandResult): Promise<CommandHandled> {
    return this.streams.handle(commandId, { type: 'ReceiveResult', commandId, result, partnerId }, options);
  }
}

@CommandHandler(TimeOutCommand)
export class TimeOutCommandHandler implements ICommandHandler<TimeOutCommand, CommandHandled> {
  constructor(private readonly streams: CommandStreams) {}

  execute({ commandId, at, deadline }: TimeOutCommand): Promise<CommandHandled> {
    return this.streams.handle(commandId, { type: 'TimeOut', commandId, at, ...(deadline ? { deadline } : {}) });
  }
}

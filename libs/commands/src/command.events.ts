import type { DomainEvent } from '@roamledger/kernel';
import type { CommandResponse, CommandResult, DisplayText } from '@roamledger/ocpi';

interface CommandRef {
  command_id: string;
}

/** A driver app asked for a command: what we sent, to whom, with which response_url. */
export type CommandRequested = DomainEvent<
  'CommandRequested',
  CommandRef & {
    command: string;
    partner_id: string;
    to: { country_code: string; party_id: string };
    /** The OCPI request body, response_url included. */
    request: Record<string, unknown>;
    /** START_SESSION and RESERVE_NOW: the reference the session will carry (links it to this command). */
    authorization_reference?: string;
    token?: { country_code: string; party_id: string; uid: string; type: string };
    requested_at: string;
  }
>;

/**
 * The CPO's synchronous answer (mod_commands CommandResponse). An ACCEPTED one carries the
 * `deadline` (received_at + its timeout): the log, not a timer in some process, says when the
 * command times out, so any process (after any restart) can record CommandTimedOut.
 */
export type CommandResponseReceived = DomainEvent<
  'CommandResponseReceived',
  CommandRef & { response: CommandResponse; received_at?: string; deadline?: string }
>;

/** The request did not reach the CPO, or its answer was no CommandResponse: the command ends here. */
export type CommandSendFailed = DomainEvent<'CommandSendFailed', CommandRef & { reason: string }>;

/** Not sent: the hub reports the party OFFLINE or SUSPENDED (mod_hub_client_info). */
export type CommandSkipped = DomainEvent<'CommandSkipped', CommandRef & { reason: string }>;

/** The CPO's asynchronous CommandResult, POSTed to our response_url. */
export type CommandResultReceived = DomainEvent<
  'CommandResultReceived',
  CommandRef & { result: CommandResult; partner_id: string }
>;

/** No CommandResult by the CommandResponse's deadline. */
export type CommandTimedOut = DomainEvent<
  'CommandTimedOut',
  CommandRef & { timeout: number; deadline?: string; timed_out_at?: string }
>;

/** A CommandResult we refused: for a command we never sent, one already finished, or from another partner. Kept, not applied. */
export type CommandResultRefused = DomainEvent<
  'CommandResultRefused',
  CommandRef & {
    reason: 'unknown_command' | 'already_finished' | 'not_the_receiver';
    result: unknown;
    partner_id: string;
    message?: DisplayText[];
  }
>;

export type CommandEvent =
  | CommandRequested
  | CommandResponseReceived
  | CommandSendFailed
  | CommandSkipped
  | CommandResultReceived
  | CommandTimedOut
  | CommandResultRefused;

export const COMMAND_EVENT_TYPES: ReadonlyArray<CommandEvent['type']> = [
  'CommandRequested',
  'CommandResponseReceived',
  'CommandSendFailed',
  'CommandSkipped',
  'CommandResultReceived',
  'CommandTimedOut',
  'CommandResultRefused',
];

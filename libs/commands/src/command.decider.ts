import type { Decider } from '@roamledger/kernel';
import type { CommandResponse, CommandResult } from '@roamledger/ocpi';
import { CommandResponseType } from '@roamledger/ocpi/values';
import type { CommandEvent, CommandRequested } from './command.events';

export const COMMAND_STREAM_PREFIX = 'command-';

/** One stream per command: the request, the CPO's response, its result (or the timeout). */
export function commandStream(commandId: string): string {
  return `${COMMAND_STREAM_PREFIX}${commandId.toUpperCase()}`;
}

export type CommandCommand =
  | { type: 'RequestCommand'; requested: CommandRequested['data'] }
  | { type: 'RecordResponse'; commandId: string; response: CommandResponse; receivedAt: string }
  | { type: 'RecordSendFailure'; commandId: string; reason: string }
  | { type: 'RecordSkipped'; commandId: string; reason: string }
  | { type: 'ReceiveResult'; commandId: string; result: CommandResult; partnerId: string }
  /**
   * `at`: now, as the process that asks sees it; before the deadline nothing happens.
   * `deadline`: only for a response recorded before responses carried theirs (the asker derives it
   * from the log: legacyCommandDeadline); a response's own deadline always wins.
   */
  | { type: 'TimeOut'; commandId: string; at: string; deadline?: string };

/**
 * The wait for a CommandResult when a CommandResponse gives no usable `timeout` (a response
 * recorded before it was checked): long enough for any CPO we know, short enough that a command
 * does not stay PENDING for ever.
 */
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 300;

const timeoutSecondsOf = (timeout: unknown): number =>
  typeof timeout === 'number' && Number.isFinite(timeout) ? Math.max(timeout, 0) : DEFAULT_COMMAND_TIMEOUT_SECONDS;

/** When an ACCEPTED CommandResponse received at `receivedAt` times out. */
export function commandDeadline(receivedAt: string, timeoutSeconds: number): string {
  return new Date(Date.parse(receivedAt) + timeoutSecondsOf(timeoutSeconds) * 1000).toISOString();
}

/**
 * The deadline of an ACCEPTED response recorded before responses carried one (no `deadline` in
 * its CommandResponseReceived): its `received_at`, else the time the log recorded it, plus its
 * `timeout` (DEFAULT_COMMAND_TIMEOUT_SECONDS when it has none). Undefined when it has its own
 * deadline or was not ACCEPTED.
 */
export function legacyCommandDeadline(
  data: { response: { result: string; timeout?: number }; received_at?: string; deadline?: string },
  recordedAt: string,
): string | undefined {
  if (data.deadline || data.response?.result !== CommandResponseType.ACCEPTED) return undefined;
  return commandDeadline(data.received_at ?? recordedAt, data.response.timeout as number);
}

/**
 * PENDING until the CPO answers; then the CommandResponse's result; then the CommandResult's, or
 * TIMEOUT; FAILED or SKIPPED when the request never reached the CPO.
 */
export type CommandStatus = 'PENDING' | string;

export interface CommandState {
  requested?: CommandRequested['data'];
  response?: CommandResponse;
  /** When an ACCEPTED command times out without a result (ISO 8601, UTC). */
  deadline?: string;
  result?: CommandResult;
  status?: CommandStatus;
  finished: boolean;
  /** A result may come before we recorded the response (the CPO is quick): it is the final word. */
  failure?: string;
}

export class CommandRejection extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandRejection';
  }
}

/** One command's life (mod_commands, we are the Sender): pure, no I/O, no clock. */
export const commandDecider: Decider<CommandCommand, CommandEvent, CommandState> = {
  initialState: () => ({ finished: false }),

  decide(command, state) {
    switch (command.type) {
      case 'RequestCommand':
        if (state.requested) throw new CommandRejection(`Command ${command.requested.command_id} exists`);
        return [{ type: 'CommandRequested', data: command.requested }];
      case 'RecordResponse':
        if (!state.requested || state.response) return [];
        return [
          {
            type: 'CommandResponseReceived',
            data: {
              command_id: command.commandId,
              response: command.response,
              received_at: command.receivedAt,
              ...(command.response.result === CommandResponseType.ACCEPTED
                ? { deadline: commandDeadline(command.receivedAt, command.response.timeout) }
                : {}),
            },
          },
        ];
      case 'RecordSendFailure':
        if (!state.requested || state.finished) return [];
        return [{ type: 'CommandSendFailed', data: { command_id: command.commandId, reason: command.reason } }];
      case 'RecordSkipped':
        if (!state.requested || state.finished) return [];
        return [{ type: 'CommandSkipped', data: { command_id: command.commandId, reason: command.reason } }];
      case 'ReceiveResult': {
        const refused = (reason: 'unknown_command' | 'already_finished' | 'not_the_receiver'): CommandEvent[] => [
          {
            type: 'CommandResultRefused',
            data: {
              command_id: command.commandId,
              reason,
              result: command.result.result,
              partner_id: command.partnerId,
              ...(command.result.message ? { message: command.result.message } : {}),
            },
          },
        ];
        if (!state.requested) return refused('unknown_command');
        if (state.requested.partner_id !== command.partnerId) return refused('not_the_receiver');
        if (state.finished) return refused('already_finished');
        return [
          {
            type: 'CommandResultReceived',
            data: { command_id: command.commandId, result: command.result, partner_id: command.partnerId },
          },
        ];
      }
      case 'TimeOut': {
        // Idempotent: a second timeout, one after the result, or one asked too early records nothing.
        if (!state.requested || state.finished || state.response?.result !== CommandResponseType.ACCEPTED) return [];
        const deadline = state.deadline ?? command.deadline;
        if (!deadline || Date.parse(command.at) < Date.parse(deadline)) return [];
        return [
          {
            type: 'CommandTimedOut',
            data: {
              command_id: command.commandId,
              timeout: timeoutSecondsOf(state.response.timeout),
              deadline,
              timed_out_at: command.at,
            },
          },
        ];
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'CommandRequested':
        return { ...state, requested: event.data, status: 'PENDING' };
      case 'CommandResponseReceived': {
        const accepted = event.data.response.result === CommandResponseType.ACCEPTED;
        const deadline = accepted ? event.data.deadline : undefined;
        const response = { ...state, response: event.data.response, ...(deadline ? { deadline } : {}) };
        // A result that came first stays the status.
        if (state.finished) return response;
        return { ...response, status: event.data.response.result, finished: !accepted };
      }
      case 'CommandSendFailed':
        return { ...state, status: 'FAILED', finished: true, failure: event.data.reason };
      case 'CommandSkipped':
        return { ...state, status: 'SKIPPED', finished: true, failure: event.data.reason };
      case 'CommandResultReceived':
        return { ...state, result: event.data.result, status: event.data.result.result, finished: true };
      case 'CommandTimedOut':
        return { ...state, status: 'TIMEOUT', finished: true };
      default:
        return state;
    }
  },
};

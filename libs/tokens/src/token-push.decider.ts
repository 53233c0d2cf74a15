import type { Decider } from '@roamledger/kernel';
import { tokenStream } from './token.decider';
import type { TokenPushEvent, TokenRef } from './token.events';

export const TOKEN_PUSH_STREAM_PREFIX = 'tokenpush-';

/** One stream per partner: the pushes it missed, and the resyncs that made up for them. */
export function tokenPushStream(partnerId: string): string {
  return `${TOKEN_PUSH_STREAM_PREFIX}${partnerId}`;
}

export type TokenPushCommand =
  | {
      type: 'RecordPushFailure';
      partnerId: string;
      ref: TokenRef;
      method: 'PUT' | 'PATCH';
      reason: string;
      position: number;
      skipped?: boolean;
    }
  | {
      type: 'RecordResync';
      partnerId: string;
      trigger: 'contact' | 'operator' | 'reconnect';
      pushed: TokenRef[];
      failed: Array<TokenRef & { reason: string }>;
    };

export interface TokenPushState {
  /** Tokens the partner missed since they were last pushed to it, by token stream name. */
  missed: Record<string, TokenRef>;
}

/** What a partner missed: pure bookkeeping of failed pushes and resyncs. */
export const tokenPushDecider: Decider<TokenPushCommand, TokenPushEvent, TokenPushState> = {
  initialState: () => ({ missed: {} }),

  decide(command) {
    switch (command.type) {
      case 'RecordPushFailure': {
        const data = {
          ...command.ref,
          partner_id: command.partnerId,
          method: command.method,
          reason: command.reason,
          position: command.position,
        };
        return [command.skipped ? { type: 'TokenPushSkipped', data } : { type: 'TokenPushFailed', data }];
      }
      case 'RecordResync':
        return [
          {
            type: 'TokensResynced',
            data: { partner_id: command.partnerId, trigger: command.trigger, pushed: command.pushed, failed: command.failed },
          },
        ];
    }
  },

  evolve(state, event) {
    const missed = new Map(Object.entries(state.missed));
    return applyToMissed(missed, event) ? { missed: Object.fromEntries(missed) } : state;
  },
};

/**
 * The tokens a partner missed, from its stream: the decider's fold, in one pass over a Map (a
 * partner down for long has a long stream, and copying the state at each event would be quadratic).
 */
export function missedTokens(events: Iterable<{ type: string; data: unknown }>): TokenRef[] {
  const missed = new Map<string, TokenRef>();
  for (const event of events) applyToMissed(missed, event as TokenPushEvent);
  return [...missed.values()];
}

/** One event on the missed tokens; false when it changes nothing. */
function applyToMissed(missed: Map<string, TokenRef>, event: TokenPushEvent): boolean {
  switch (event.type) {
    case 'TokenPushFailed':
    case 'TokenPushSkipped': {
      const { country_code, party_id, uid, type } = event.data;
      const ref = { country_code, party_id, uid, type };
      missed.set(tokenStream(ref), ref);
      return true;
    }
    case 'TokensResynced':
      for (const ref of event.data.pushed) missed.delete(tokenStream(ref));
      return true;
    default:
      return false;
  }
}

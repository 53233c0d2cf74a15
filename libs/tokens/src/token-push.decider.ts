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
  missed: Map<string, TokenRef>;
}

/** What a partner missed: pure bookkeeping of failed pushes and resyncs. */
export const tokenPushDecider: Decider<TokenPushCommand, TokenPushEvent, TokenPushState> = {
  initialState: () => ({ missed: new Map() }),

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
    switch (event.type) {
      case 'TokenPushFailed':
      case 'TokenPushSkipped': {
        const { country_code, party_id, uid, type } = event.data;
        const ref = { country_code, party_id, uid, type };
        return { missed: new Map(state.missed).set(tokenStream(ref), ref) };
      }
      case 'TokensResynced': {
        const missed = new Map(state.missed);
        for (const ref of event.data.pushed) missed.delete(tokenStream(ref));
        return { missed };
      }
      default:
        return state;
    }
  },
};

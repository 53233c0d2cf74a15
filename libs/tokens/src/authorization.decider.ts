import type { Decider } from '@roamledger/kernel';
import type { LocationReferences } from '@roamledger/ocpi';
import { AllowedType } from '@roamledger/ocpi/values';
import type { TokenState } from './token.decider';
import type { AuthorizationEvent, TokenRef } from './token.events';

export const AUTHORIZATION_STREAM_PREFIX = 'authorization-';

/** One stream per authorization reference: a decision never grows the token's stream. */
export function authorizationStream(reference: string): string {
  return `${AUTHORIZATION_STREAM_PREFIX}${reference.toUpperCase()}`;
}

/** What a rule (AuthorizationRule) said about a valid token: NO_CREDIT or NOT_ALLOWED, and why. */
export interface RuleVerdict {
  allowed: AllowedType.NO_CREDIT | AllowedType.NOT_ALLOWED;
  reason: string;
}

export interface DecideAuthorization {
  type: 'DecideAuthorization';
  reference: string;
  ref: TokenRef;
  /** The token's state when asked. */
  token: TokenState;
  partnerId: string;
  partner?: string;
  location?: LocationReferences;
  /** The first refusal of the rules, if any (rules run only for valid tokens). */
  verdict?: RuleVerdict;
  at: string;
}

export interface AuthorizationState {
  decided: boolean;
}

/**
 * Real-time authorization (mod_tokens): EXPIRED, BLOCKED, then the rules' NO_CREDIT/NOT_ALLOWED,
 * else ALLOWED. Opening hours and EVSE status are never looked at: the spec forbids it.
 */
export const authorizationDecider: Decider<DecideAuthorization, AuthorizationEvent, AuthorizationState> = {
  initialState: () => ({ decided: false }),

  decide(command, state) {
    if (state.decided) throw new Error(`Authorization reference ${command.reference} is already used`);
    const base = {
      ...command.ref,
      authorization_reference: command.reference,
      partner_id: command.partnerId,
      ...(command.partner ? { partner: command.partner } : {}),
      ...(command.location ? { location: command.location } : {}),
      decided_at: command.at,
    };
    const token = command.token.token;
    if (!token) return [{ type: 'AuthorizationOfUnknownToken', data: base }];
    const { allowed, reason } = decision(command.token, command.verdict);
    return [
      {
        type: 'AuthorizationDecided',
        data: { ...base, ...refOf(token), allowed, reason, token_last_updated: token.last_updated },
      },
    ];
  },

  evolve(_state, event) {
    return event.type === 'AuthorizationDecided' || event.type === 'AuthorizationOfUnknownToken' ? { decided: true } : _state;
  },
};

function decision(state: TokenState, verdict: RuleVerdict | undefined): { allowed: AllowedType; reason: string } {
  if (state.expired) return { allowed: AllowedType.EXPIRED, reason: 'the token has expired' };
  if (!state.token?.valid) return { allowed: AllowedType.BLOCKED, reason: 'the token is blocked (valid: false)' };
  if (verdict) return verdict;
  return { allowed: AllowedType.ALLOWED, reason: 'the token is valid and no rule refused it' };
}

function refOf(token: TokenRef): TokenRef {
  return { country_code: token.country_code, party_id: token.party_id, uid: token.uid, type: token.type };
}

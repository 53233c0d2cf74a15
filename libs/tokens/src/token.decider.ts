import { canonicalJson, type Decider } from '@roamledger/kernel';
import type { Token } from '@roamledger/ocpi';
import type { TokenEvent, TokenRef } from './token.events';

export const TOKEN_STREAM_PREFIX = 'token-';

/** One stream per token. CiStrings are case-insensitive, so the name is upper-cased. */
export function tokenStream(ref: TokenRef): string {
  return `${TOKEN_STREAM_PREFIX}${[ref.country_code, ref.party_id, ref.type, ref.uid].map((part) => part.toUpperCase()).join('-')}`;
}

export function tokenRefOf(token: Pick<Token, 'country_code' | 'party_id' | 'uid' | 'type'>): TokenRef {
  return { country_code: token.country_code, party_id: token.party_id, uid: token.uid, type: token.type };
}

/** The fields of a Token the admin PATCH may change, and our policy beside them. */
export type TokenPatch = Partial<Omit<Token, 'country_code' | 'party_id' | 'uid' | 'type' | 'last_updated'>> & {
  /** Not an OCPI field: `true` expires the token (authorization answers EXPIRED). */
  expired?: boolean;
  /** Not an OCPI field: partner ids allowed to authorize it; null lifts the restriction. */
  allowed_partners?: string[] | null;
};

export type TokenCommand =
  /** POST /admin/tokens: a new token; refused when it exists. `at` is the new last_updated. */
  | { type: 'IssueToken'; token: Token; by: string; at: string }
  /** An import row: issues the token, or replaces the one we hold when it differs. */
  | { type: 'PutToken'; token: Token; by: string; at: string }
  | { type: 'PatchToken'; ref: TokenRef; patch: TokenPatch; by: string; at: string };

export interface TokenState {
  token?: Token;
  expired: boolean;
  /** Partner ids allowed to authorize it; undefined: any. */
  allowedPartners?: string[];
}

export type TokenRejectionReason = 'token_exists' | 'unknown_token' | 'identity_mismatch';

export class TokenRejection extends Error {
  constructor(
    readonly reason: TokenRejectionReason,
    message: string,
  ) {
    super(message);
    this.name = 'TokenRejection';
  }
}

const IDENTITY_FIELDS = new Set(['country_code', 'party_id', 'uid', 'type', 'last_updated']);
const OWN_EVENT_FIELDS = new Set(['valid', 'expired', 'allowed_partners']);
const sameJson = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** The token register: pure, no I/O. Every event names who made the change. */
export const tokenDecider: Decider<TokenCommand, TokenEvent, TokenState> = {
  initialState: () => ({ expired: false }),

  decide(command, state) {
    switch (command.type) {
      case 'IssueToken': {
        const ref = refOf(command.token);
        if (state.token) throw new TokenRejection('token_exists', `Token ${describe(ref)} exists; PATCH it instead`);
        return [{ type: 'TokenIssued', data: { ...ref, by: command.by, token: stamped(command.token, command.at) } }];
      }
      case 'PutToken': {
        const ref = refOf(command.token);
        if (!state.token)
          return [{ type: 'TokenIssued', data: { ...ref, by: command.by, token: stamped(command.token, command.at) } }];
        if (sameJson({ ...state.token, last_updated: null }, { ...command.token, last_updated: null })) return [];
        return [{ type: 'TokenReplaced', data: { ...ref, by: command.by, token: stamped(command.token, command.at) } }];
      }
      case 'PatchToken':
        return decidePatch(command.ref, command.patch, command.by, command.at, state);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'TokenIssued':
      case 'TokenReplaced':
        return { ...state, token: event.data.token, expired: false };
      case 'TokenUpdated':
        return state.token ? { ...state, token: applyChanges(state.token, event.data.changes, event.data.last_updated) } : state;
      case 'TokenBlocked':
        return state.token ? { ...state, token: { ...state.token, valid: false, last_updated: event.data.last_updated } } : state;
      case 'TokenUnblocked':
        return state.token
          ? { ...state, expired: false, token: { ...state.token, valid: true, last_updated: event.data.last_updated } }
          : state;
      case 'TokenExpired':
        return state.token
          ? { ...state, expired: true, token: { ...state.token, valid: false, last_updated: event.data.last_updated } }
          : state;
      case 'TokenPolicyChanged':
        return { ...state, allowedPartners: event.data.allowed_partners ?? undefined };
      default:
        return state;
    }
  },
};

function decidePatch(ref: TokenRef, patch: TokenPatch, by: string, at: string, state: TokenState): TokenEvent[] {
  const held = state.token;
  if (!held) throw new TokenRejection('unknown_token', `Unknown token ${describe(ref)}`);
  const key = refOf(held);
  const changes: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    if (IDENTITY_FIELDS.has(field) || OWN_EVENT_FIELDS.has(field) || value === undefined) continue;
    if (!sameJson((held as unknown as Record<string, unknown>)[field], value)) changes[field] = value;
  }
  const events: TokenEvent[] = [];
  if (Object.keys(changes).length > 0) events.push({ type: 'TokenUpdated', data: { ...key, by, changes, last_updated: at } });
  if (patch.expired === true && !state.expired) events.push({ type: 'TokenExpired', data: { ...key, by, last_updated: at } });
  else if (patch.valid === false && held.valid && patch.expired !== true)
    events.push({ type: 'TokenBlocked', data: { ...key, by, last_updated: at } });
  // valid lifts a block, expired: false an expiry; neither lifts the other.
  else if ((patch.valid === true && !held.valid) || (patch.expired === false && state.expired))
    events.push({ type: 'TokenUnblocked', data: { ...key, by, last_updated: at } });
  if (patch.allowed_partners !== undefined && !sameJson(patch.allowed_partners, state.allowedPartners)) {
    events.push({ type: 'TokenPolicyChanged', data: { ...key, by, allowed_partners: patch.allowed_partners } });
  }
  return events;
}

function refOf(token: Token): TokenRef {
  return tokenRefOf(token);
}

function stamped(token: Token, at: string): Token {
  return { ...token, last_updated: at };
}

function applyChanges(token: Token, changes: Record<string, unknown>, lastUpdated: string): Token {
  const next: Record<string, unknown> = { ...token, last_updated: lastUpdated };
  for (const [field, value] of Object.entries(changes)) {
    if (value === null) delete next[field];
    else next[field] = value;
  }
  return next as unknown as Token;
}

export function describe(ref: TokenRef): string {
  return `${ref.country_code}*${ref.party_id} ${ref.type} ${ref.uid}`;
}

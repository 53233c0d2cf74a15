import { createHash, randomBytes } from 'node:crypto';
import type { Decider, DomainEvent } from '@roamledger/event-store';

/**
 * A credentials token we issue (A or C): 256 random bits as base64url, 43 printable ASCII
 * characters, within the spec's string(64) and free of whitespace.
 */
export function generateCredentialsToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * How tokens we issue are stored: sha256 hex. Unsalted is enough because the tokens are random
 * 256-bit values, not something a dictionary could guess.
 */
export function credentialsTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The index stream of one token we issued: which partner it belongs to and whether it was revoked. */
export function credentialsTokenStream(tokenHash: string): string {
  return `${CREDENTIALS_TOKEN_STREAM_PREFIX}${tokenHash}`;
}

export const CREDENTIALS_TOKEN_STREAM_PREFIX = 'credentials-token-';

/** A: invitation (versions and credentials only). C: a registered partner's token. */
export type IssuedTokenKind = 'A' | 'C';

export interface IssuedTokenState {
  partnerId?: string;
  kind?: IssuedTokenKind;
  revoked: boolean;
}

export type IssuedTokenCommand =
  | { type: 'IssueToken'; partnerId: string; kind: IssuedTokenKind; at: string }
  | { type: 'RevokeToken'; reason: string; at: string };

export type IssuedTokenEvent =
  | DomainEvent<'CredentialsTokenIssued', { partner_id: string; kind: IssuedTokenKind; issued_at: string }>
  | DomainEvent<'CredentialsTokenRevoked', { reason: string; revoked_at: string }>;

/**
 * The token index: one tiny stream per issued token, so a request's token finds its partner with
 * one read. The partner stream stays the authority on whether the token is current.
 */
export const issuedTokenDecider: Decider<IssuedTokenCommand, IssuedTokenEvent, IssuedTokenState> = {
  initialState: () => ({ revoked: false }),
  decide(command, state) {
    switch (command.type) {
      case 'IssueToken':
        // 256 random bits never collide; a second issue means a bug, not bad luck.
        if (state.partnerId) throw new Error('This credentials token was already issued');
        return [
          { type: 'CredentialsTokenIssued', data: { partner_id: command.partnerId, kind: command.kind, issued_at: command.at } },
        ];
      case 'RevokeToken':
        return !state.partnerId || state.revoked
          ? []
          : [{ type: 'CredentialsTokenRevoked', data: { reason: command.reason, revoked_at: command.at } }];
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'CredentialsTokenIssued':
        return { ...state, partnerId: event.data.partner_id, kind: event.data.kind };
      case 'CredentialsTokenRevoked':
        return { ...state, revoked: true };
      default:
        return state;
    }
  },
};

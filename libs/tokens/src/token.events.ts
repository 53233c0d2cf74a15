import type { DomainEvent } from '@roamledger/kernel';
import type { AllowedType, LocationReferences, Token } from '@roamledger/ocpi';

/** Which token an event is about: unique by party, uid and type (mod_tokens). */
export interface TokenRef {
  country_code: string;
  party_id: string;
  uid: string;
  type: string;
}

/** Who made a change: `admin-api`, `cli:<user>`, `import:<file>`... as the operator surface says. */
interface MadeBy {
  by: string;
}

/** A new token in our register (pushed with PUT). */
export type TokenIssued = DomainEvent<'TokenIssued', TokenRef & MadeBy & { token: Token }>;

/** A token replaced as a whole (an import row for a token we hold; pushed with PUT). */
export type TokenReplaced = DomainEvent<'TokenReplaced', TokenRef & MadeBy & { token: Token }>;

/** Token fields changed, with their new values (`null`: removed); pushed with PATCH. */
export type TokenUpdated = DomainEvent<
  'TokenUpdated',
  TokenRef & MadeBy & { changes: Record<string, unknown>; last_updated: string }
>;

/** `valid` became false: the CPO must refuse it (pushed with PATCH). */
export type TokenBlocked = DomainEvent<'TokenBlocked', TokenRef & MadeBy & { last_updated: string }>;

/** `valid` became true again. */
export type TokenUnblocked = DomainEvent<'TokenUnblocked', TokenRef & MadeBy & { last_updated: string }>;

/** The driver's contract ended: `valid` false, and authorization answers EXPIRED rather than BLOCKED. */
export type TokenExpired = DomainEvent<'TokenExpired', TokenRef & MadeBy & { last_updated: string }>;

/** Our own rules for the token, not part of the OCPI object (never pushed): see AuthorizationRule. */
export type TokenPolicyChanged = DomainEvent<'TokenPolicyChanged', TokenRef & MadeBy & { allowed_partners: string[] | null }>;

export type TokenEvent =
  | TokenIssued
  | TokenReplaced
  | TokenUpdated
  | TokenBlocked
  | TokenUnblocked
  | TokenExpired
  | TokenPolicyChanged;

export const TOKEN_EVENT_TYPES: ReadonlyArray<TokenEvent['type']> = [
  'TokenIssued',
  'TokenReplaced',
  'TokenUpdated',
  'TokenBlocked',
  'TokenUnblocked',
  'TokenExpired',
  'TokenPolicyChanged',
];

/** The changes partners hear of (everything but our policy). */
export const PUSHED_TOKEN_EVENT_TYPES: ReadonlyArray<TokenEvent['type']> = TOKEN_EVENT_TYPES.filter(
  (type) => type !== 'TokenPolicyChanged',
);

/** One real-time authorization decision and why (the auditor's question: why was this driver (not) allowed?). */
export type AuthorizationDecided = DomainEvent<
  'AuthorizationDecided',
  TokenRef & {
    authorization_reference: string;
    allowed: AllowedType;
    reason: string;
    /** The partner that asked, and its party as the request named it. */
    partner_id: string;
    partner?: string;
    location?: LocationReferences;
    token_last_updated: string;
    decided_at: string;
  }
>;

/** A CPO asked about a token we do not hold (answered 2004). */
export type AuthorizationOfUnknownToken = DomainEvent<
  'AuthorizationOfUnknownToken',
  TokenRef & {
    authorization_reference: string;
    partner_id: string;
    partner?: string;
    location?: LocationReferences;
    decided_at: string;
  }
>;

export type AuthorizationEvent = AuthorizationDecided | AuthorizationOfUnknownToken;

export const AUTHORIZATION_EVENT_TYPES: ReadonlyArray<AuthorizationEvent['type']> = [
  'AuthorizationDecided',
  'AuthorizationOfUnknownToken',
];

/** A push a partner did not take: recorded, not retried; the partner gets the token's latest state once it is back. */
export type TokenPushFailed = DomainEvent<
  'TokenPushFailed',
  TokenRef & { partner_id: string; method: 'PUT' | 'PATCH'; reason: string; position: number }
>;

/** A push not attempted: the hub reports the party OFFLINE or SUSPENDED (mod_hub_client_info). */
export type TokenPushSkipped = DomainEvent<
  'TokenPushSkipped',
  TokenRef & { partner_id: string; method: 'PUT' | 'PATCH'; reason: string; position: number }
>;

/** The latest state of the tokens a partner missed, pushed once it was back. */
export type TokensResynced = DomainEvent<
  'TokensResynced',
  {
    partner_id: string;
    trigger: 'contact' | 'operator' | 'reconnect';
    pushed: TokenRef[];
    failed: Array<TokenRef & { reason: string }>;
  }
>;

export type TokenPushEvent = TokenPushFailed | TokenPushSkipped | TokensResynced;

export const TOKEN_PUSH_EVENT_TYPES: ReadonlyArray<TokenPushEvent['type']> = [
  'TokenPushFailed',
  'TokenPushSkipped',
  'TokensResynced',
];

/**
 * A session or CDR finance must look at, for what it says of our authorization: its token was
 * blocked or expired when it reached the log (TOKEN_BLOCKED_AT_START), or it carries an
 * authorization_reference we never issued (UNKNOWN_AUTHORIZATION_REFERENCE). One stream per
 * finding and session/CDR (`tokenfinding-`), so it is raised once.
 */
export type AuthorizationFindingRaised = DomainEvent<
  'AuthorizationFindingRaised',
  {
    finding: 'TOKEN_BLOCKED_AT_START' | 'UNKNOWN_AUTHORIZATION_REFERENCE';
    /** What the finding is about: the session's or CDR's stream, and its OCPI ids. */
    object: 'session' | 'cdr';
    stream: string;
    country_code: string;
    party_id: string;
    /** The session id or the CDR id. */
    id: string;
    authorization_reference: string | null;
    detail: string;
    /** Global position of the session or CDR event that showed it. */
    position: number;
  }
>;

export const AUTHORIZATION_FINDING_EVENT_TYPES: ReadonlyArray<AuthorizationFindingRaised['type']> = [
  'AuthorizationFindingRaised',
];

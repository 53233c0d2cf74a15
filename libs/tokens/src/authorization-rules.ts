import { Injectable } from '@nestjs/common';
import type { LocationReferences, Token } from '@roamledger/ocpi';
import { AllowedType } from '@roamledger/ocpi/values';
import type { RuleVerdict } from './authorization.decider';
import type { TokenState } from './token.decider';

/** What a rule sees: a valid, unexpired token, who asks, and where (when the CPO said). */
export interface AuthorizationRequest {
  token: Token;
  state: TokenState;
  /** The partner (credentials connection) asking. */
  partnerId: string;
  location?: LocationReferences;
}

/**
 * The hook that decides NO_CREDIT and NOT_ALLOWED for a valid token: each rule of
 * AUTHORIZATION_RULES runs in order, and the first verdict is the answer (with its reason, in the
 * AuthorizationDecided event); none: ALLOWED. Rules must be quick (a driver is waiting at the
 * charger) and must not look at opening hours or EVSE status (mod_tokens forbids it). A rule may
 * read projections (a spending limit from the billing projection, say) but never call a partner.
 * Provide another list with `{ provide: AUTHORIZATION_RULES, useFactory: ... }`.
 */
export interface AuthorizationRule {
  check(request: AuthorizationRequest): Promise<RuleVerdict | undefined>;
}

export const AUTHORIZATION_RULES = Symbol('AUTHORIZATION_RULES');

/** The default rule: a token restricted to some partners (admin PATCH `allowed_partners`) is NOT_ALLOWED elsewhere. */
@Injectable()
export class AllowedPartnersRule implements AuthorizationRule {
  async check({ state, partnerId }: AuthorizationRequest): Promise<RuleVerdict | undefined> {
    if (!state.allowedPartners || state.allowedPartners.includes(partnerId)) return undefined;
    return { allowed: AllowedType.NOT_ALLOWED, reason: `partner ${partnerId} is not among the token's allowed partners` };
  }
}

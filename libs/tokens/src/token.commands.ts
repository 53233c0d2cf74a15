import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  currentState,
  EVENT_STORE,
  type EventStore,
  type Handled,
  type HandleOptions,
  handleCommand,
} from '@roamledger/event-store';
import type { TokenRegisterPort } from '@roamledger/module-kit';
import type { LocationReferences, PartyId, Token } from '@roamledger/ocpi';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { authorizationDecider, authorizationStream, type DecideAuthorization, type RuleVerdict } from './authorization.decider';
import { AUTHORIZATION_RULES, type AuthorizationRule } from './authorization-rules';
import { LiveTokenStates } from './live-token-states';
import { type TokenCommand, type TokenPatch, type TokenState, tokenDecider, tokenStream } from './token.decider';
import type { AuthorizationEvent, TokenEvent, TokenRef } from './token.events';

export type TokenHandled = Handled<TokenEvent, TokenState>;

/** POST /admin/tokens: a new token. */
export class IssueToken extends Command<TokenHandled> {
  constructor(
    readonly token: Token,
    readonly by: string,
    readonly options: HandleOptions = {},
  ) {
    super();
  }
}

/** An import row: issue, or replace when it differs from the token we hold. */
export class PutToken extends Command<TokenHandled> {
  constructor(
    readonly token: Token,
    readonly by: string,
    readonly options: HandleOptions = {},
  ) {
    super();
  }
}

/** PATCH /admin/tokens/...: some fields, block/unblock (`valid`), expire, our policy. */
export class PatchToken extends Command<TokenHandled> {
  constructor(
    readonly ref: TokenRef,
    readonly patch: TokenPatch,
    readonly by: string,
    readonly options: HandleOptions = {},
  ) {
    super();
  }
}

export interface AuthorizationOutcome {
  event: AuthorizationEvent;
  token?: Token;
}

/** A CPO's real-time authorization request. */
export class AuthorizeToken extends Command<AuthorizationOutcome> {
  constructor(
    readonly ref: TokenRef,
    readonly partnerId: string,
    readonly partner: string | undefined,
    readonly location: LocationReferences | undefined,
    readonly options: HandleOptions = {},
    /** The token types the uid is looked up under (default: ref.type); 2.1.1's OTHER stands for 2.2's OTHER, APP_USER and AD_HOC_USER. */
    readonly types: readonly string[] = [ref.type],
  ) {
    super();
  }
}

/** Tokens as the log holds them: decide and append on a token's stream, or read its state. */
@Injectable()
export class TokenStreams implements TokenRegisterPort {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig,
  ) {}

  handle(ref: TokenRef, command: TokenCommand, options: HandleOptions = {}): Promise<TokenHandled> {
    return handleCommand(this.store, tokenStream(ref), tokenDecider, command, options);
  }

  async state(ref: TokenRef): Promise<TokenState> {
    return (await currentState(this.store, tokenStream(ref), tokenDecider)).state;
  }

  async findOurs(uid: string, type: string): Promise<Token | undefined> {
    for (const party of this.config.ocpiParties) {
      const { token } = await this.state({ country_code: party.countryCode, party_id: party.partyId, uid, type });
      if (token) return token;
    }
    return undefined;
  }

  /**
   * Our parties' refs for a uid and type (a CPO's authorization request names no party; its OCPI-to
   * headers may: then only that party's).
   */
  oursFor(uid: string, type: string, parties: PartyId[] = this.config.ocpiParties): TokenRef[] {
    return parties.map((party) => ({ country_code: party.countryCode, party_id: party.partyId, uid, type }));
  }
}

const now = () => new Date().toISOString();

@CommandHandler(IssueToken)
export class IssueTokenHandler implements ICommandHandler<IssueToken, TokenHandled> {
  constructor(
    private readonly tokens: TokenStreams,
    private readonly live: LiveTokenStates,
  ) {}

  execute({ token, by, options }: IssueToken): Promise<TokenHandled> {
    return this.live.changed(
      tokenStream(token),
      this.tokens.handle(token, { type: 'IssueToken', token, by, at: now() }, options),
    );
  }
}

@CommandHandler(PutToken)
export class PutTokenHandler implements ICommandHandler<PutToken, TokenHandled> {
  constructor(
    private readonly tokens: TokenStreams,
    private readonly live: LiveTokenStates,
  ) {}

  execute({ token, by, options }: PutToken): Promise<TokenHandled> {
    return this.live.changed(
      tokenStream(token),
      this.tokens.handle(token, { type: 'PutToken', token, by, at: now() }, { skipWhenNoEvents: true, ...options }),
    );
  }
}

@CommandHandler(PatchToken)
export class PatchTokenHandler implements ICommandHandler<PatchToken, TokenHandled> {
  constructor(
    private readonly tokens: TokenStreams,
    private readonly live: LiveTokenStates,
  ) {}

  execute({ ref, patch, by, options }: PatchToken): Promise<TokenHandled> {
    return this.live.changed(
      tokenStream(ref),
      this.tokens.handle(ref, { type: 'PatchToken', ref, patch, by, at: now() }, options),
    );
  }
}

/** A fresh authorization reference: 24 base32-ish characters, within CiString(36). */
export function newAuthorizationReference(): string {
  return `RL${randomBytes(15).toString('base64url').replace(/[-_]/g, 'X').toUpperCase()}`;
}

@CommandHandler(AuthorizeToken)
export class AuthorizeTokenHandler implements ICommandHandler<AuthorizeToken, AuthorizationOutcome> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly tokens: TokenStreams,
    private readonly live: LiveTokenStates,
    @Inject(AUTHORIZATION_RULES) private readonly rules: AuthorizationRule[],
  ) {}

  async execute({ ref, partnerId, partner, location, options, types }: AuthorizeToken): Promise<AuthorizationOutcome> {
    // From memory (LiveTokenStates): the only I/O on the way is the one append of the decision.
    const parties = ref.country_code ? [{ countryCode: ref.country_code, partyId: ref.party_id }] : undefined;
    let found: { ref: TokenRef; state: TokenState } | undefined;
    for (const ours of types.flatMap((type) => this.tokens.oursFor(ref.uid, type, parties))) {
      const known = await this.live.get(tokenStream(ours));
      if (known.token) {
        found = { ref: ours, state: known };
        break;
      }
    }
    const state: TokenState = found?.state ?? tokenDecider.initialState();
    let verdict: RuleVerdict | undefined;
    if (state.token?.valid && !state.expired) {
      for (const rule of this.rules) {
        verdict = await rule.check({ token: state.token, state, partnerId, location });
        if (verdict) break;
      }
    }
    const reference = newAuthorizationReference();
    const command: DecideAuthorization = {
      type: 'DecideAuthorization',
      reference,
      ref: found?.ref ?? ref,
      token: state,
      partnerId,
      ...(partner ? { partner } : {}),
      ...(location ? { location } : {}),
      ...(verdict ? { verdict } : {}),
      at: now(),
    };
    // The reference is fresh, so its stream is new: appended as such without reading it first (a
    // driver is waiting at the charger); `no_stream` refuses it should a reference ever repeat.
    const events = authorizationDecider.decide(command, authorizationDecider.initialState());
    const metadata = { ...options.metadata, ...(options.cause?.id ? { causationId: options.cause.id } : {}) };
    await this.store.append(
      authorizationStream(reference),
      [...(options.cause ? [options.cause] : []), ...events.map((event) => ({ type: event.type, data: event.data, metadata }))],
      { expectedRevision: 'no_stream' },
    );
    const handled = { events };
    return { event: handled.events[0], token: state.token };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  currentState,
  EVENT_STORE,
  type EventStore,
  type Handled,
  type HandleOptions,
  handleCommand,
  heldState,
} from '@roamledger/event-store';
import type { PartyId, Session } from '@roamledger/ocpi';
import { type SessionCommand, type SessionState, sessionDecider, sessionStream } from './session.decider';
import type { SessionEvent, SessionPatch, SessionRef } from './session.events';

export type SessionHandled = Handled<SessionEvent, SessionState> & {
  /** The session did not exist before this command. */
  created: boolean;
};

/** How a command reaches the log: with the request (or pulled object) that caused it. */
export type SessionCommandOptions = HandleOptions & { pulled?: boolean };

/** A full Session on the CommandBus: a PUT, or one pulled from the CPO's Sender interface. */
export class PutSession extends Command<SessionHandled> {
  constructor(
    readonly session: Session,
    readonly options: SessionCommandOptions = {},
  ) {
    super();
  }
}

/** A PATCH of one session on the CommandBus. */
export class PatchSession extends Command<SessionHandled> {
  readonly ref: SessionRef;

  constructor(
    party: PartyId,
    sessionId: string,
    readonly patch: SessionPatch,
    readonly options: HandleOptions = {},
  ) {
    super();
    this.ref = { country_code: party.countryCode, party_id: party.partyId, session_id: sessionId };
  }
}

/** Sessions as the log holds them: decide and append a command on a session's stream, or read its state. */
@Injectable()
export class SessionStreams {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async handle(party: PartyId, sessionId: string, command: SessionCommand, options: HandleOptions): Promise<SessionHandled> {
    const handled = await handleCommand(this.store, sessionStream(party, sessionId), sessionDecider, command, options);
    return { ...handled, created: handled.events.some((event) => event.type === 'SessionStarted') };
  }

  /** Our current view of a session, or undefined when we hold none (held PATCHes alone are not a session). */
  async current(party: PartyId, sessionId: string): Promise<Session | undefined> {
    return (await this.state(party, sessionId)).session;
  }

  /** The session as this process holds it, however old, without a read; undefined when it holds none. */
  held(party: PartyId, sessionId: string): Session | undefined {
    return heldState(this.store, sessionStream(party, sessionId), sessionDecider)?.state.session;
  }

  async state(party: PartyId, sessionId: string): Promise<SessionState> {
    return (await currentState(this.store, sessionStream(party, sessionId), sessionDecider)).state;
  }
}

@CommandHandler(PutSession)
export class PutSessionHandler implements ICommandHandler<PutSession, SessionHandled> {
  constructor(private readonly sessions: SessionStreams) {}

  execute({ session, options }: PutSession): Promise<SessionHandled> {
    const { pulled, ...handleOptions } = options;
    return this.sessions.handle(
      { countryCode: session.country_code, partyId: session.party_id },
      session.id,
      { type: 'PutSession', session, ...(pulled ? { pulled } : {}) },
      handleOptions,
    );
  }
}

@CommandHandler(PatchSession)
export class PatchSessionHandler implements ICommandHandler<PatchSession, SessionHandled> {
  constructor(private readonly sessions: SessionStreams) {}

  execute({ ref, patch, options }: PatchSession): Promise<SessionHandled> {
    return this.sessions.handle(
      { countryCode: ref.country_code, partyId: ref.party_id },
      ref.session_id,
      { type: 'PatchSession', ref, patch },
      options,
    );
  }
}

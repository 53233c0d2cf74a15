import { Inject, Injectable } from '@nestjs/common';
import {
  currentState,
  EVENT_STORE,
  type EventStore,
  type Handled,
  type HandleOptions,
  handleCommand,
} from '@roamledger/event-store';
import type { PartyId, Session } from '@roamledger/ocpi';
import { type SessionCommand, type SessionState, sessionDecider, sessionStream } from './session.decider';
import type { SessionEvent, SessionPatch } from './session.events';

export type SessionHandled = Handled<SessionEvent, SessionState> & {
  /** The session did not exist before this command. */
  created: boolean;
};

/**
 * How Session commands reach the log, for the push receiver and the pull alike: decide on the
 * session's state, append (with the request that caused it).
 */
@Injectable()
export class SessionCommands {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** A full Session object: PUT by the CPO, or pulled from its Sender interface. */
  put(session: Session, options: HandleOptions & { pulled?: boolean } = {}): Promise<SessionHandled> {
    const { pulled, ...handleOptions } = options;
    const stream = sessionStream({ countryCode: session.country_code, partyId: session.party_id }, session.id);
    return this.handle(stream, { type: 'PutSession', session, pulled }, handleOptions);
  }

  patch(party: PartyId, sessionId: string, patch: SessionPatch, options: HandleOptions = {}): Promise<SessionHandled> {
    return this.handle(
      sessionStream(party, sessionId),
      { type: 'PatchSession', ref: { country_code: party.countryCode, party_id: party.partyId, session_id: sessionId }, patch },
      options,
    );
  }

  /** Our current view of a session, or undefined when we hold none (held PATCHes alone are not a session). */
  async current(party: PartyId, sessionId: string): Promise<Session | undefined> {
    return (await this.state(party, sessionId)).session;
  }

  async state(party: PartyId, sessionId: string): Promise<SessionState> {
    return (await currentState(this.store, sessionStream(party, sessionId), sessionDecider)).state;
  }

  private async handle(stream: string, command: SessionCommand, options: HandleOptions): Promise<SessionHandled> {
    const handled = await handleCommand(this.store, stream, sessionDecider, command, options);
    return { ...handled, created: handled.events.some((event) => event.type === 'SessionStarted') };
  }
}

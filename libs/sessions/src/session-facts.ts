import { Global, Injectable, Module } from '@nestjs/common';
import { SESSION_FACTS, type SessionFacts, type SessionFactsPort } from '@roamledger/module-kit';
import type { PartyId } from '@roamledger/ocpi';
import { SessionStreams } from './session.commands';
import { sessionStream } from './session.decider';

/** Session facts read from the session's own stream, folded by the sessions decider. */
@Injectable()
export class SessionFactsFromLog implements SessionFactsPort {
  constructor(private readonly sessions: SessionStreams) {}

  async find(party: PartyId, sessionId: string): Promise<SessionFacts> {
    const stream = sessionStream(party, sessionId);
    // A session's token and currency do not change once it is held, so a session this process
    // holds answers without a read (a current read asks PostgreSQL what follows, once per CDR).
    const session = this.sessions.held(party, sessionId) ?? (await this.sessions.current(party, sessionId));
    return session
      ? { stream, found: true, tokenUid: session.cdr_token.uid, currency: session.currency }
      : { stream, found: false };
  }
}

/** SESSION_FACTS for every module of the process; a service without the sessions receiver imports it alone. */
@Global()
@Module({
  providers: [SessionStreams, SessionFactsFromLog, { provide: SESSION_FACTS, useExisting: SessionFactsFromLog }],
  exports: [SessionStreams, SESSION_FACTS],
})
export class SessionFactsModule {}

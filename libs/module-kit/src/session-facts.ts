import type { PartyId } from '@roamledger/ocpi/values';

/** What other modules may know of a session (CDR checks), without folding its stream themselves. */
export type SessionFacts = { stream: string } & ({ found: true; tokenUid: string; currency: string } | { found: false });

/** Implemented by the sessions module (SessionFactsModule); CDRs inject it as SESSION_FACTS. */
export interface SessionFactsPort {
  /** `found: false` when we hold no session by that id (held PATCHes alone are not a session). */
  find(party: PartyId, sessionId: string): Promise<SessionFacts>;
}

export const SESSION_FACTS = Symbol('SESSION_FACTS');

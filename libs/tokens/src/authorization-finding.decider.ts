import type { Decider } from '@roamledger/kernel';
import type { AuthorizationFindingRaised } from './token.events';

export const AUTHORIZATION_FINDING_STREAM_PREFIX = 'tokenfinding-';

/** One stream per finding kind and session/CDR stream: raised once, whoever raises it and however often. */
export function authorizationFindingStream(finding: string, objectStream: string): string {
  return `${AUTHORIZATION_FINDING_STREAM_PREFIX}${finding}-${objectStream}`;
}

export type AuthorizationFindingCommand = { type: 'RaiseFinding'; finding: AuthorizationFindingRaised['data'] };

export interface AuthorizationFindingState {
  raised: boolean;
}

/** Pure: the finding is raised the first time, and never again. */
export const authorizationFindingDecider: Decider<
  AuthorizationFindingCommand,
  AuthorizationFindingRaised,
  AuthorizationFindingState
> = {
  initialState: () => ({ raised: false }),
  decide: (command, state) => (state.raised ? [] : [{ type: 'AuthorizationFindingRaised', data: command.finding }]),
  evolve: (state, event) => (event.type === 'AuthorizationFindingRaised' ? { raised: true } : state),
};

/** `session-DE-ABC-S1` → session DE ABC S1 (country codes and party ids have fixed lengths, ids may hold dashes). */
export function objectOfStream(stream: string): {
  object: 'session' | 'cdr';
  country_code: string;
  party_id: string;
  id: string;
} {
  const [kind, countryCode, partyId, ...id] = stream.split('-');
  return { object: kind === 'cdr' ? 'cdr' : 'session', country_code: countryCode, party_id: partyId, id: id.join('-') };
}

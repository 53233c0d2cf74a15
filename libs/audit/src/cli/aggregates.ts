import { CDR_STREAM_PREFIX, cdrDecider } from '@roamledger/cdrs';
import { issuedTokenDecider, partnerDecider, partnerStream } from '@roamledger/credentials';
import type { Decider, DomainEvent } from '@roamledger/kernel';
import { pullDecider } from '@roamledger/pull';
import { SESSION_STREAM_PREFIX, sessionDecider } from '@roamledger/sessions';
import type { AggregateFold } from '../log-audit';

// biome-ignore lint/suspicious/noExplicitAny: each decider has its own command, event and state types.
function fold(prefix: string, name: string, decider: Decider<any, any, any>): AggregateFold {
  return {
    prefix,
    name,
    initialState: () => decider.initialState(),
    evolve: (state, event: DomainEvent) => decider.evolve(state, event),
  };
}

/**
 * `state <stream> --at`: which module's evolve folds a stream, by the stream's prefix. Streams no
 * module claims are shown as each event type's latest data. Add a module's decider here when it
 * owns a new stream prefix.
 */
export const AGGREGATES: AggregateFold[] = [
  fold(SESSION_STREAM_PREFIX, 'Session (libs/sessions sessionDecider)', sessionDecider),
  fold(CDR_STREAM_PREFIX, 'CDR (libs/cdrs cdrDecider)', cdrDecider),
  fold(partnerStream(''), 'Partner (libs/credentials partnerDecider)', partnerDecider),
  fold('credentials-token-', 'Issued credentials token (libs/credentials issuedTokenDecider)', issuedTokenDecider),
  fold('pull-', 'Pull runs (libs/pull pullDecider)', pullDecider),
];

import { Injectable, type OnModuleInit } from '@nestjs/common';
import { formatParty, Session, sameParty, validateOcpi } from '@roamledger/ocpi';
import {
  type PulledFrom,
  type PullOutcome,
  type PullPartner,
  PullService,
  type PullTarget,
  pulledMetadata,
  pulledObjectEvent,
} from '@roamledger/pull';
import { SessionCommands } from './session.commands';

/** Sessions pulled from a CPO's Sender interface go through the same PutSession as a pushed PUT. */
@Injectable()
export class SessionPull implements PullTarget, OnModuleInit {
  readonly module = 'sessions';

  constructor(
    private readonly sessions: SessionCommands,
    private readonly pull: PullService,
  ) {}

  onModuleInit(): void {
    this.pull.register(this);
  }

  async ingest(partner: PullPartner, object: unknown, from: PulledFrom): Promise<PullOutcome> {
    const result = validateOcpi(Session, object);
    if (!result.ok) return { status: 'rejected', reason: `Invalid Session: ${result.errors.join('; ')}` };
    const session = result.value;
    const owner = { countryCode: session.country_code, partyId: session.party_id };
    if (!partner.parties.some((party) => sameParty(party, owner))) {
      return { status: 'rejected', reason: `${formatParty(owner)} is not a party of partner ${partner.partnerId}` };
    }
    const handled = await this.sessions.put(session, {
      cause: pulledObjectEvent('sessions', partner, object, from, owner),
      metadata: pulledMetadata(partner, from, owner),
      skipWhenNoEvents: true,
      pulled: true,
    });
    return { status: handled.events.length > 0 ? 'recorded' : 'unchanged' };
  }
}

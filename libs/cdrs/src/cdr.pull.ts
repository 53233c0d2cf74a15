import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CDR, formatParty, sameParty, validateOcpi } from '@roamledger/ocpi';
import {
  type PulledFrom,
  type PullOutcome,
  type PullPartner,
  PullService,
  type PullTarget,
  pulledMetadata,
  pulledObjectEvent,
} from '@roamledger/pull';
import { CdrCommands } from './cdr.commands';

/** CDRs pulled from a CPO's Sender interface go through the same ReceiveCdr as a POST. */
@Injectable()
export class CdrPull implements PullTarget, OnModuleInit {
  readonly module = 'cdrs';

  constructor(
    private readonly cdrs: CdrCommands,
    private readonly pull: PullService,
  ) {}

  onModuleInit(): void {
    this.pull.register(this);
  }

  async ingest(partner: PullPartner, object: unknown, from: PulledFrom): Promise<PullOutcome> {
    const result = validateOcpi(CDR, object);
    if (!result.ok) return { status: 'rejected', reason: `Invalid CDR: ${result.errors.join('; ')}` };
    const cdr = result.value;
    const owner = { countryCode: cdr.country_code, partyId: cdr.party_id };
    if (!partner.parties.some((party) => sameParty(party, owner))) {
      return { status: 'rejected', reason: `${formatParty(owner)} is not a party of partner ${partner.partnerId}` };
    }
    const receipt = await this.cdrs.receive(cdr, {
      cause: pulledObjectEvent('cdrs', partner, object, from, owner),
      metadata: pulledMetadata(partner, from, owner),
      skipWhenNoEvents: true,
      pulled: true,
    });
    if (receipt.outcome === 'rejected') return { status: 'rejected', reason: receipt.rejection?.message ?? 'rejected' };
    return { status: receipt.outcome === 'stored' ? 'recorded' : 'unchanged' };
  }
}

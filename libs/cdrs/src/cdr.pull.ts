import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CDR } from '@roamledger/ocpi';
import {
  acceptPulled,
  type PulledFrom,
  type PullOutcome,
  type PullPartner,
  PullService,
  type PullTarget,
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
    const accepted = acceptPulled('cdrs', CDR, partner, object, from);
    if (!accepted.ok) return accepted.outcome;
    const receipt = await this.cdrs.receive(accepted.value, {
      cause: accepted.cause,
      metadata: accepted.metadata,
      skipWhenNoEvents: true,
      pulled: true,
    });
    if (receipt.outcome === 'rejected') return { status: 'rejected', reason: receipt.rejection?.message ?? 'rejected' };
    return { status: receipt.outcome === 'stored' ? 'recorded' : 'unchanged' };
  }
}

import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Session } from '@roamledger/ocpi';
import {
  acceptPulled,
  type PulledFrom,
  type PullOutcome,
  type PullPartner,
  PullService,
  type PullTarget,
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
    const accepted = acceptPulled('sessions', Session, partner, object, from);
    if (!accepted.ok) return accepted.outcome;
    const handled = await this.sessions.put(accepted.value, {
      cause: accepted.cause,
      metadata: accepted.metadata,
      skipWhenNoEvents: true,
      pulled: true,
    });
    return { status: handled.events.length > 0 ? 'recorded' : 'unchanged' };
  }
}

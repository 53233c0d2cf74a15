import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type NewEvent } from '@roamledger/event-store';
import type { RejectedRequestLog } from '@roamledger/ocpi-transport';
import { partnerStream } from './partner.decider';

/** The transport's rejected writes land in the partner's own stream, beside its registration. */
@Injectable()
export class PartnerRejections implements RejectedRequestLog {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async record(partnerId: string, rejection: NewEvent): Promise<void> {
    await this.store.append(partnerStream(partnerId), [rejection]);
  }
}

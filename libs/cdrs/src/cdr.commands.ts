import { Inject, Injectable } from '@nestjs/common';
import {
  currentState,
  EVENT_STORE,
  type EventStore,
  type Handled,
  type HandleOptions,
  handleCommand,
} from '@roamledger/event-store';
import { type CDR, OCPI_ROUTES, type PartyId } from '@roamledger/ocpi';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { sessionDecider, sessionStream } from '@roamledger/sessions';
import type { CdrContext } from './cdr.checks';
import { type CdrState, cdrDecider, cdrStream } from './cdr.decider';
import type { CdrEvent, CdrRejected } from './cdr.events';

/**
 * `stored`: a new CDR; `duplicate`: the same CDR again (nothing new); `rejected`: a CdrRejected
 * was recorded (a conflicting resend, or a credit naming itself).
 */
export type CdrOutcome = 'stored' | 'duplicate' | 'rejected';

export interface CdrReceipt {
  outcome: CdrOutcome;
  handled: Handled<CdrEvent, CdrState>;
  rejection?: CdrRejected['data'];
  /** Where GET finds the stored CDR on our side (the Location of the POST answer). */
  location: string;
}

/**
 * How CDR commands reach the log, for the push receiver and the pull alike: gather what the
 * checks need (the session, the credited CDR, our parties), decide, append.
 */
@Injectable()
export class CdrCommands {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig,
  ) {}

  async receive(cdr: CDR, options: HandleOptions & { pulled?: boolean } = {}): Promise<CdrReceipt> {
    const { pulled, ...handleOptions } = options;
    const party = { countryCode: cdr.country_code, partyId: cdr.party_id };
    const stream = cdrStream(party, cdr.id);
    const context = await this.context(cdr);
    const handled = await handleCommand(
      this.store,
      stream,
      cdrDecider,
      { type: 'ReceiveCdr', cdr, context, pulled },
      handleOptions,
    );
    const rejection = handled.events.find((event): event is CdrRejected => event.type === 'CdrRejected');
    const stored = handled.events.some((event) => event.type === 'CdrReceived' || event.type === 'CreditCdrReceived');

    // The back-link on the original: a second append, after the credit is safely stored.
    if (stored && cdr.credit && context.original?.found) {
      await handleCommand(
        this.store,
        context.original.stream,
        cdrDecider,
        {
          type: 'RecordCredit',
          credit: { country_code: cdr.country_code, party_id: cdr.party_id, cdr_id: cdr.id },
          creditStream: stream,
        },
        { metadata: handleOptions.metadata },
      );
    }
    return {
      outcome: rejection ? 'rejected' : stored ? 'stored' : 'duplicate',
      handled,
      ...(rejection ? { rejection: rejection.data } : {}),
      location: this.location(party, cdr.id),
    };
  }

  async current(party: PartyId, cdrId: string): Promise<CDR | undefined> {
    return (await this.state(party, cdrId)).cdr;
  }

  async state(party: PartyId, cdrId: string): Promise<CdrState> {
    return (await currentState(this.store, cdrStream(party, cdrId), cdrDecider)).state;
  }

  /** Our GET URL of a CDR: /ocpi/emsp/2.2.1/cdrs/{country_code}/{party_id}/{cdr_id}. */
  location(party: PartyId, cdrId: string): string {
    const path = [party.countryCode, party.partyId, cdrId].map(encodeURIComponent).join('/');
    return `${this.config.publicUrl}/${OCPI_ROUTES.cdrs}/${path}`;
  }

  private async context(cdr: CDR): Promise<CdrContext> {
    const party = { countryCode: cdr.country_code, partyId: cdr.party_id };
    const context: CdrContext = { hostedParties: this.config.ocpiParties };
    if (cdr.session_id) {
      const stream = sessionStream(party, cdr.session_id);
      const { session } = (await currentState(this.store, stream, sessionDecider)).state;
      context.session = session
        ? { stream, found: true, tokenUid: session.cdr_token.uid, currency: session.currency }
        : { stream, found: false };
    }
    if (cdr.credit_reference_id) {
      const stream = cdrStream(party, cdr.credit_reference_id);
      const original = await this.state(party, cdr.credit_reference_id);
      context.original = original.cdr
        ? { stream, found: true, cdr: original.cdr, isCredit: original.isCredit, creditedBy: original.creditedBy }
        : { stream, found: false, creditedBy: [] };
    }
    return context;
  }
}

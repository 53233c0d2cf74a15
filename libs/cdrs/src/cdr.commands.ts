import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  currentState,
  EVENT_STORE,
  type EventStore,
  type Handled,
  type HandleOptions,
  handleCommand,
} from '@roamledger/event-store';
import { SESSION_FACTS, type SessionFactsPort, versionRoutes } from '@roamledger/module-kit';
import type { CDR, PartyId } from '@roamledger/ocpi';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import type { CdrContext } from './cdr.checks';
import { type CdrState, cdrDecider, cdrStream } from './cdr.decider';
import type { CdrEvent, CdrRejected } from './cdr.events';

/** The eMSP CDRs Receiver route in 2.2.1, and in every version. */
export const CDRS_ROUTE = 'ocpi/emsp/2.2.1/cdrs';
export const CDRS_ROUTES = versionRoutes('ocpi/emsp/{version}/cdrs');

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

/** How a command reaches the log: with the request (or pulled object) that caused it. */
export type CdrCommandOptions = HandleOptions & { pulled?: boolean };

/** A CDR on the CommandBus: a POST, or one pulled from the CPO's Sender interface. */
export class ReceiveCdr extends Command<CdrReceipt> {
  constructor(
    readonly cdr: CDR,
    readonly options: CdrCommandOptions = {},
  ) {
    super();
  }
}

/**
 * CDRs as the log holds them: gather what the checks need (the session's facts, the credited
 * CDR, our parties), decide, append; or read a CDR's state.
 */
@Injectable()
export class CdrStreams {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig,
    @Inject(SESSION_FACTS) private readonly sessions: SessionFactsPort,
  ) {}

  async receive(cdr: CDR, options: CdrCommandOptions = {}): Promise<CdrReceipt> {
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
    return `${this.config.publicUrl}/${CDRS_ROUTE}/${path}`;
  }

  private async context(cdr: CDR): Promise<CdrContext> {
    const party = { countryCode: cdr.country_code, partyId: cdr.party_id };
    const context: CdrContext = { hostedParties: this.config.ocpiParties };
    if (cdr.session_id) context.session = await this.sessions.find(party, cdr.session_id);
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

@CommandHandler(ReceiveCdr)
export class ReceiveCdrHandler implements ICommandHandler<ReceiveCdr, CdrReceipt> {
  constructor(private readonly cdrs: CdrStreams) {}

  execute({ cdr, options }: ReceiveCdr): Promise<CdrReceipt> {
    return this.cdrs.receive(cdr, options);
  }
}

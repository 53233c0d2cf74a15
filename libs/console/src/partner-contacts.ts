import { Inject, Injectable } from '@nestjs/common';
import {
  PARTNER_CONTACT_STREAM_PREFIX,
  PARTNER_STREAM_PREFIX,
  type PartnerEvent,
  type PartnerState,
  type PartnerStatus,
  partnerDecider,
} from '@roamledger/credentials';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@roamledger/event-store';

const FEED = { streamPrefixes: [PARTNER_STREAM_PREFIX, PARTNER_CONTACT_STREAM_PREFIX] };

/** The status as the console has always shown it (the decider's `connection_failed` reads `failed`). */
const shownStatus = (status: PartnerStatus): string => (status === 'connection_failed' ? 'failed' : status);

export interface PartnerContact {
  partner_id: string;
  name: string | null;
  /** `CC*PID` of its current parties (its credentials' roles, or the invitation's before it registered). */
  parties: string[];
  roles: string[];
  status: string;
  suspended: boolean;
  /** When it last called us, authenticated, with success (the last PartnerContacted), and that event's position. */
  last_contact_at: string | null;
  last_contact_position: number | null;
}

const party = (countryCode: string, partyId: string) => `${countryCode.toUpperCase()}*${partyId.toUpperCase()}`;

/** A partner's state by the credentials decider's own fold, its contact, and the last partner event folded. */
interface Folded {
  state: PartnerState;
  position: number;
  last_contact_at: string | null;
  last_contact_position: number | null;
}

/** Parties and roles: the current credentials' once registered, the invitation's before that. */
function partiesOf(state: PartnerState): { parties: string[]; roles: string[] } {
  if (state.roles.length) {
    return {
      parties: [...new Set(state.roles.map((r) => party(r.country_code, r.party_id)))].sort(),
      roles: [...new Set(state.roles.map((r) => String(r.role)))].sort(),
    };
  }
  const invited = state.invitation?.parties ?? [];
  return {
    parties: invited.map((p) => party(p.countryCode, p.partyId)),
    roles: [...new Set(invited.flatMap((p) => p.roles))].sort(),
  };
}

/**
 * Each partner's last contact, as a view in memory fed by the log: its partner stream's events
 * and the PartnerContacted events (at most one per partner per minute). The first read seeds it
 * with the partner events and the last event of each contact stream (one read each, not the whole
 * history of contacts); every read after that folds only the events appended since, so a request
 * never scans the streams again. Answers with the log position it is current at.
 */
@Injectable()
export class PartnerContacts {
  private readonly partners = new Map<string, Folded>();
  /** Every partner and contact event up to this position is folded in. */
  private applied = -1;
  private reading: Promise<void> = Promise.resolve();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** The partners as of the log head now, and that position. */
  async read(): Promise<{ partners: PartnerContact[]; position: number }> {
    const head = await this.store.headPosition();
    const read = this.reading.then(() => (this.applied < 0 ? this.seed(head) : this.catchUp(head)));
    this.reading = read.catch(() => undefined);
    await read;
    const partners = [...this.partners.entries()]
      .map(([id, folded]) => contactOf(id, folded))
      .sort((a, b) => a.partner_id.localeCompare(b.partner_id));
    return { partners, position: Math.max(head, this.applied) };
  }

  private async seed(head: number): Promise<void> {
    for (const event of await this.store.readAll({ filter: { streamPrefixes: [PARTNER_STREAM_PREFIX] } })) this.apply(event);
    await Promise.all(
      [...this.partners.keys()].map(async (id) => {
        const [last] = await this.store.readStream(`${PARTNER_CONTACT_STREAM_PREFIX}${id}`, {
          direction: 'backwards',
          maxCount: 1,
        });
        if (last) this.apply(last);
      }),
    );
    // Events after the head may be folded already; catching up from here folds them once more, harmlessly.
    this.applied = head;
  }

  private async catchUp(head: number): Promise<void> {
    if (head <= this.applied) return;
    for (const event of await this.store.readAll({ fromPosition: this.applied + 1, filter: FEED })) this.apply(event);
    this.applied = head;
  }

  private apply(event: RecordedEvent): void {
    if (event.stream.startsWith(PARTNER_CONTACT_STREAM_PREFIX)) {
      if (event.type !== 'PartnerContacted') return;
      const data = event.data as { partner_id: string; at: string };
      // A contact of a partner we have not seen yet is one whose stream comes first: kept with it.
      const known = this.folded(data.partner_id);
      if ((known.last_contact_position ?? -1) >= event.position) return;
      known.last_contact_at = data.at;
      known.last_contact_position = event.position;
      return;
    }
    const known = this.folded(event.stream.slice(PARTNER_STREAM_PREFIX.length));
    if (event.position <= known.position) return;
    known.position = event.position;
    // The credentials module's own fold: a change to the partner events is made there, once.
    known.state = partnerDecider.evolve(known.state, event as unknown as PartnerEvent);
  }

  private folded(id: string): Folded {
    let known = this.partners.get(id);
    if (!known) {
      known = { state: partnerDecider.initialState(), position: -1, last_contact_at: null, last_contact_position: null };
      this.partners.set(id, known);
    }
    return known;
  }
}

function contactOf(id: string, { state, last_contact_at, last_contact_position }: Folded): PartnerContact {
  return {
    partner_id: id,
    name: state.name ?? null,
    ...partiesOf(state),
    status: shownStatus(state.status),
    suspended: state.suspended,
    last_contact_at,
    last_contact_position,
  };
}

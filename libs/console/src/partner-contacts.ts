import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@roamledger/event-store';

// The credentials module's stream names and events, read from the log (modules never import each other).
const PARTNER_STREAM_PREFIX = 'partner-';
const CONTACT_STREAM_PREFIX = 'partnercontact-';
const FEED = { streamPrefixes: [PARTNER_STREAM_PREFIX, CONTACT_STREAM_PREFIX] };

/** What a partner connection's events make of its status (the credentials module's own words). */
const STATUS_OF: Record<string, string> = {
  PartnerInvited: 'invited',
  PartnerRegistered: 'registered',
  PartnerConnectionStarted: 'connecting',
  ConnectedToPartner: 'registered',
  PartnerConnectionFailed: 'failed',
  PartnerUnregistered: 'unregistered',
};

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

interface RoleData {
  role?: string;
  roles?: string[];
  country_code?: string;
  party_id?: string;
}

const party = (role: RoleData) => `${String(role.country_code).toUpperCase()}*${String(role.party_id).toUpperCase()}`;

/**
 * Each partner's last contact, as a view in memory fed by the log: its partner stream's events
 * and the PartnerContacted events (at most one per partner per minute). The first read seeds it
 * with the partner events and the last event of each contact stream (one read each, not the whole
 * history of contacts); every read after that folds only the events appended since, so a request
 * never scans the streams again. Answers with the log position it is current at.
 */
@Injectable()
export class PartnerContacts {
  private readonly partners = new Map<string, PartnerContact & { position: number }>();
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
    const partners = [...this.partners.values()]
      .map(({ position: _position, ...partner }) => partner)
      .sort((a, b) => a.partner_id.localeCompare(b.partner_id));
    return { partners, position: Math.max(head, this.applied) };
  }

  private async seed(head: number): Promise<void> {
    for (const event of await this.store.readAll({ filter: { streamPrefixes: [PARTNER_STREAM_PREFIX] } })) this.apply(event);
    await Promise.all(
      [...this.partners.keys()].map(async (id) => {
        const [last] = await this.store.readStream(`${CONTACT_STREAM_PREFIX}${id}`, { direction: 'backwards', maxCount: 1 });
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
    if (event.stream.startsWith(CONTACT_STREAM_PREFIX)) {
      if (event.type !== 'PartnerContacted') return;
      const data = event.data as { partner_id: string; at: string };
      const partner = this.partners.get(data.partner_id);
      // A contact of a partner we have not seen yet is one whose stream comes first: kept with it.
      const known = partner ?? this.blank(data.partner_id);
      if ((known.last_contact_position ?? -1) >= event.position) return;
      known.last_contact_at = data.at;
      known.last_contact_position = event.position;
      return;
    }
    const id = event.stream.slice(PARTNER_STREAM_PREFIX.length);
    const partner = this.partners.get(id) ?? this.blank(id);
    if (event.position <= partner.position) return;
    partner.position = event.position;
    const data = (event.data ?? {}) as RoleData & { name?: string; parties?: RoleData[]; roles?: unknown };
    if (typeof data.name === 'string') partner.name = data.name;
    if (STATUS_OF[event.type]) partner.status = STATUS_OF[event.type];
    if (event.type === 'PartnerSuspended') partner.suspended = true;
    if (event.type === 'PartnerResumed') partner.suspended = false;
    if (event.type === 'PartnerInvited') {
      const invited = data.parties?.length ? data.parties : [data];
      partner.parties = invited.map(party);
      partner.roles = [...new Set(invited.flatMap((p) => p.roles ?? []))].sort();
    } else if (Array.isArray(data.roles)) {
      // Credentials: one role per party (PartnerRegistered, CredentialsRotated, ConnectedToPartner).
      const roles = data.roles as RoleData[];
      partner.parties = [...new Set(roles.map(party))].sort();
      partner.roles = [...new Set(roles.map((r) => String(r.role)))].sort();
    }
  }

  private blank(id: string): PartnerContact & { position: number } {
    const partner = {
      partner_id: id,
      name: null,
      parties: [],
      roles: [],
      status: 'none',
      suspended: false,
      last_contact_at: null,
      last_contact_position: null,
      position: -1,
    };
    this.partners.set(id, partner);
    return partner;
  }
}

import { EventEmitter } from 'node:events';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { type PartyRole } from '@roamledger/ocpi';
import { OcpiClient, type OcpiClientOptions } from '@roamledger/ocpi-transport';
import { type Invitation, type PartnerState, type PartnerStatus, partnerDecider, partnerStream } from './partner.decider';
import { type PartnerEndpoint, type PartnerEvent } from './partner.events';
import { TokenVault } from './token-vault';

/** A partner connection as other modules and the admin API see it. */
export interface PartnerView {
  id: string;
  name: string;
  status: Exclude<PartnerStatus, 'none'>;
  suspended: boolean;
  allowPlainToken: boolean;
  /** `partner`: it registered with us after an invitation; `us`: we registered with it. */
  initiatedBy: 'partner' | 'us';
  invitation?: Invitation;
  /** The parties of its current credentials, with the name from their business details. */
  roles: Array<PartyRole & { name: string }>;
  versionsUrl?: string;
  version?: string;
  /** Its endpoints for our version, as its version details listed them. */
  endpoints: PartnerEndpoint[];
  invitedAt?: string;
  registeredAt?: string;
  /** The last time it called us (authenticated) or something was recorded in its stream. */
  lastContactAt?: string;
}

/** Types whose events start a partner stream: how partners are enumerated. */
const FIRST_EVENT_TYPES = ['PartnerInvited', 'PartnerConnectionStarted'];

/**
 * Where every module finds partners: their status, roles and endpoints, and a client to call them
 * with the token they gave us. Every call reads the partner's newest events, so a suspension or
 * rotation is seen at once.
 */
@Injectable()
export class PartnerDirectory {
  private readonly lastSeen = new Map<string, string>();
  private readonly folds = new Map<string, { state: PartnerState; revision: number; lastEventAt: string }>();
  private readonly contacts = new EventEmitter().setMaxListeners(0);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly vault: TokenVault,
  ) {}

  async list(): Promise<PartnerView[]> {
    const starts = await this.store.readAll({
      filter: { streamPrefixes: [partnerStream('')], eventTypes: FIRST_EVENT_TYPES },
    });
    const ids = [...new Set(starts.map((event) => (event.data as { partner_id: string }).partner_id))];
    const views = await Promise.all(ids.map((id) => this.get(id)));
    return views.filter((view): view is PartnerView => view !== undefined);
  }

  async get(partnerId: string): Promise<PartnerView | undefined> {
    const { state, lastEventAt } = await this.load(partnerId);
    if (state.status === 'none' || !state.id) return undefined;
    const seen = this.lastSeen.get(partnerId);
    const lastContactAt = [seen, lastEventAt]
      .filter((at): at is string => !!at)
      .sort()
      .pop();
    return {
      id: state.id,
      name: state.name ?? state.versionsUrl ?? state.id,
      status: state.status,
      suspended: state.suspended,
      allowPlainToken: state.allowPlainToken,
      initiatedBy: state.initiatedBy ?? 'partner',
      ...(state.invitation ? { invitation: state.invitation } : {}),
      roles: state.roles.map((role) => ({
        role: role.role,
        countryCode: role.country_code.toUpperCase(),
        partyId: role.party_id.toUpperCase(),
        name: role.business_details.name,
      })),
      versionsUrl: state.versionsUrl,
      version: state.version,
      endpoints: state.endpoints,
      invitedAt: state.invitedAt,
      registeredAt: state.registeredAt,
      lastContactAt,
    };
  }

  /**
   * A client that calls the partner with the token it gave us. Only for registered partners that
   * are not suspended: both parties must end automated communication otherwise.
   */
  async client(partnerId: string, options: Omit<OcpiClientOptions, 'token' | 'plainToken'> = {}): Promise<OcpiClient> {
    const { state } = await this.load(partnerId);
    if (state.status !== 'registered' || !state.theirToken)
      throw new Error(`Partner ${partnerId} is not registered (${state.status})`);
    if (state.suspended) throw new Error(`Partner ${partnerId} is suspended`);
    return new OcpiClient({ ...options, token: this.vault.open(state.theirToken), plainToken: state.allowPlainToken });
  }

  /**
   * The partner's state folded from its stream, and when its last event was recorded. Streams only
   * grow, so the fold so far is kept and only newer events are read: every request authenticates
   * here, and rejected requests pile up in the partner's stream.
   */
  async load(partnerId: string): Promise<{ state: PartnerState; lastEventAt?: string }> {
    const known = this.folds.get(partnerId);
    const events = await this.store.readStream(partnerStream(partnerId), { from: known ? known.revision + 1 : 0 });
    if (events.length === 0) return known ?? { state: partnerDecider.initialState() };
    const last = events[events.length - 1];
    const fold = {
      state: events.reduce(
        (state, event) => partnerDecider.evolve(state, event as PartnerEvent),
        known?.state ?? partnerDecider.initialState(),
      ),
      revision: last.revision,
      lastEventAt: last.recordedAt,
    };
    this.folds.set(partnerId, fold);
    return fold;
  }

  /** Called when the partner authenticated: last contact, kept in this process only. */
  noteContact(partnerId: string, at = new Date().toISOString()): void {
    this.lastSeen.set(partnerId, at);
    this.contacts.emit('contact', partnerId);
  }

  /** Listens for partners authenticating (a partner that was unreachable is back). */
  onContact(listener: (partnerId: string) => void): void {
    this.contacts.on('contact', listener);
  }
}

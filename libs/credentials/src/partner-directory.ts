import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit, Optional } from '@nestjs/common';
import { EVENT_STORE, type EventFilter, type EventStore, type RecordedEvent, type Subscription } from '@roamledger/event-store';
import { formatParty, type PartyId, type PartyRole, Role, sameParty } from '@roamledger/ocpi';
import { OcpiClient, type OcpiClientOptions } from '@roamledger/ocpi-transport';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import {
  CREDENTIALS_TOKEN_STREAM_PREFIX,
  type IssuedTokenEvent,
  type IssuedTokenState,
  issuedTokenDecider,
} from './credentials-token';
import { type Invitation, type PartnerState, type PartnerStatus, partnerDecider, partnerStream } from './partner.decider';
import type { PartnerCredentialsRole, PartnerEndpoint, PartnerEvent } from './partner.events';
import {
  DEFAULT_PARTNER_CONTACT_OPTIONS,
  PARTNER_CONTACT_OPTIONS,
  PARTNER_CONTACT_STREAM_PREFIX,
  type PartnerContacted,
  type PartnerContactOptions,
  partnerContactDecider,
  partnerContactStream,
} from './partner-contact';
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
  /**
   * A hub's: the parties it reported behind it (HubClientInfo), less any that another partner holds
   * directly or that is ours. The hub may write under them and route our calls to them.
   */
  behind: PartyRole[];
  invitedAt?: string;
  registeredAt?: string;
  /** The last time it called us (authenticated) or something was recorded in its stream. */
  lastContactAt?: string;
}

/**
 * What the hubclientinfo module records when a hub reports a party behind it: read here from the log
 * (modules never import each other), so that every process knows a hub's parties.
 */
const CLIENT_INFO_STREAM_PREFIX = 'clientinfo-';
interface ClientInfoUpdatedData {
  country_code: string;
  party_id: string;
  role: string;
  partner_id: string;
}

/** Whether a credentials role is a 2.3.0 hub's own (its `hub_party_id` as HUB). */
function isHubRole(state: PartnerState, role: PartnerCredentialsRole): boolean {
  return (
    !!state.hubParty &&
    role.role === Role.HUB &&
    sameParty({ countryCode: role.country_code, partyId: role.party_id }, state.hubParty)
  );
}

/** A 2.3.0 hub's parties behind it, as its credentials list them in `roles` beside its `hub_party_id`. */
function credentialsBehind(state: PartnerState): PartyRole[] {
  if (!state.hubParty) return [];
  return state.roles
    .filter((role) => !isHubRole(state, role))
    .map((role) => ({ role: role.role, countryCode: role.country_code.toUpperCase(), partyId: role.party_id.toUpperCase() }));
}

/** The streams the directory folds: partners, the index of the tokens we issued, and hubs' client info. */
const FEED: EventFilter = {
  streamPrefixes: [partnerStream(''), CREDENTIALS_TOKEN_STREAM_PREFIX, CLIENT_INFO_STREAM_PREFIX],
};
/** Followed live, beside FEED: contacts are news, never folded from the past on start. */
const LIVE_FEED: EventFilter = { streamPrefixes: [...(FEED.streamPrefixes ?? []), PARTNER_CONTACT_STREAM_PREFIX] };

/** Partners whose parties are theirs: not (any more) those that unregistered or never connected. */
const ACTIVE = new Set<PartnerStatus>(['invited', 'connecting', 'registered']);

interface PartnerFold {
  state: PartnerState;
  revision: number;
  lastEventAt: string;
}

/**
 * Where every module finds partners: their status, roles and endpoints, and a client to call them
 * with the token they gave us. A projection in memory of the partner and token-index streams, fed
 * by a subscription to the log (so another process's suspension or rotation arrives with its
 * append's notification), and brought up to a position on demand (`reached`), which every write
 * of the credentials module awaits: in this process a change holds from the next request on.
 * Authentication reads nothing from the store.
 */
@Injectable()
export class PartnerDirectory implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('partner-directory');
  private readonly lastSeen = new Map<string, string>();
  private readonly folds = new Map<string, PartnerFold>();
  private readonly tokens = new Map<string, IssuedTokenState>();
  /** The last hub report of each party (by `CC*PID`): which hub, and the role it gave. */
  private readonly reported = new Map<string, PartyRole & { partnerId: string }>();
  /** partyHolders() as of the position it was built at. */
  private holders?: { applied: number; byParty: Map<string, Set<string>> };
  /** Position of the last event folded in. */
  private applied = -1;
  private started?: Promise<void>;
  private subscription?: Subscription;
  private feeding?: Promise<void>;
  private reading: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly contacts = new EventEmitter().setMaxListeners(0);
  /** When a PartnerContacted was last recorded (by any process) or asked for (by this one), per partner. */
  private readonly contactRecordedAt = new Map<string, number>();
  /** Ids of the PartnerContacted events this process appended: already told to its own listeners. */
  private readonly ownContacts = new Set<string>();
  /** The last position this process appended to the streams the directory folds (where the store keeps it). */
  private readonly ownFeedAppends?: () => number;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly vault: TokenVault,
    @Optional() @Inject(ROAMLEDGER_CONFIG) private readonly config?: RoamledgerConfig,
    @Optional()
    @Inject(PARTNER_CONTACT_OPTIONS)
    private readonly contactOptions: PartnerContactOptions = DEFAULT_PARTNER_CONTACT_OPTIONS,
  ) {
    this.ownFeedAppends = store.watchAppends?.(FEED.streamPrefixes ?? []);
  }

  async onModuleInit(): Promise<void> {
    await this.ready();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  /** Folds every partner event in the log so far, then follows the log. */
  ready(): Promise<void> {
    this.started ??= (async () => {
      const head = await this.store.headPosition();
      await this.readNewer();
      if (this.closed) return;
      const subscription = this.store.subscribeToAll({ fromPosition: Math.max(head, this.applied) + 1, filter: LIVE_FEED });
      this.subscription = subscription;
      this.feeding = (async () => {
        try {
          for await (const event of subscription) this.apply(event);
        } catch (error) {
          if (!this.closed) this.logger.error(`The partner directory stopped following the log: ${(error as Error).message}`);
        }
      })();
    })();
    return this.started;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.started?.catch(() => undefined);
    await this.subscription?.close();
    await this.feeding;
  }

  /**
   * Resolves once every partner event this process appended is folded in (a hub's report made by
   * another module, say): from memory where the store says what it appended, with no round trip
   * per hub request. Other processes' events arrive with their append's notification, as a
   * suspension does. A store that cannot say is asked for its head.
   */
  async caughtUp(): Promise<void> {
    await this.reached(this.ownFeedAppends ? this.ownFeedAppends() : await this.store.headPosition());
  }

  /** Resolves once every partner event up to `position` is folded in (after this process's own appends). */
  async reached(position: number): Promise<void> {
    await this.ready();
    if (this.applied >= position) return;
    await this.readNewer();
  }

  /** Reads the partner events after the last one folded; one read at a time. */
  private readNewer(): Promise<void> {
    const read = this.reading.then(async () => {
      const events = await this.store.readAll({ fromPosition: this.applied + 1, filter: FEED });
      for (const event of events) this.apply(event);
    });
    this.reading = read.catch(() => undefined);
    return read;
  }

  private apply(event: RecordedEvent): void {
    // Before the position check: readNewer (FEED only) may have moved `applied` past a contact.
    if (event.stream.startsWith(PARTNER_CONTACT_STREAM_PREFIX)) {
      this.applyContact(event as unknown as RecordedEvent & PartnerContacted);
      return;
    }
    if (event.position <= this.applied) return;
    this.applied = event.position;
    if (event.stream.startsWith(CLIENT_INFO_STREAM_PREFIX)) {
      if (event.type !== 'ClientInfoUpdated') return;
      const data = event.data as ClientInfoUpdatedData;
      const party = { countryCode: data.country_code.toUpperCase(), partyId: data.party_id.toUpperCase() };
      this.reported.set(`${party.countryCode}*${party.partyId}`, {
        ...party,
        role: data.role as PartyRole['role'],
        partnerId: data.partner_id,
      });
      return;
    }
    if (event.stream.startsWith(CREDENTIALS_TOKEN_STREAM_PREFIX)) {
      const hash = event.stream.slice(CREDENTIALS_TOKEN_STREAM_PREFIX.length);
      this.tokens.set(
        hash,
        issuedTokenDecider.evolve(this.tokens.get(hash) ?? issuedTokenDecider.initialState(), event as IssuedTokenEvent),
      );
      return;
    }
    const partnerId = event.stream.slice(partnerStream('').length);
    const known = this.folds.get(partnerId);
    if (known && event.revision <= known.revision) return;
    this.folds.set(partnerId, {
      state: partnerDecider.evolve(known?.state ?? partnerDecider.initialState(), event as PartnerEvent),
      revision: event.revision,
      lastEventAt: event.recordedAt,
    });
  }

  /**
   * The parties behind a registered hub, as it may act for them: a 2.3.0 hub's credentials parties
   * (those of `roles` beside its `hub_party_id`, permitted by its invitation), and those it reported
   * (HubClientInfo): none that another active partner holds or was invited for, and none of ours.
   * Empty for other partners.
   */
  behind(partnerId: string): PartyRole[] {
    const { state } = this.known(partnerId);
    if (state.status !== 'registered' || !state.roles.some((role) => role.role === Role.HUB)) return [];
    const inCredentials = credentialsBehind(state);
    const holders = this.partyHolders();
    const heldElsewhere = (party: PartyId) => [...(holders.get(formatParty(party)) ?? [])].some((id) => id !== partnerId);
    const ours = (party: PartyId) => this.config?.ocpiParties.some((mine) => sameParty(mine, party)) ?? false;
    const reported = [...this.reported.values()]
      .filter((party) => party.partnerId === partnerId && !ours(party) && !heldElsewhere(party))
      .filter((party) => !inCredentials.some((known) => known.role === party.role && sameParty(known, party)))
      .map(({ role, countryCode, partyId }) => ({ role, countryCode, partyId }));
    return [...inCredentials, ...reported];
  }

  /**
   * Which active partners hold or were invited for each party (`CC*PID`), rebuilt only when the
   * directory has folded something new: every hub request asks, and must not scan every partner.
   */
  private partyHolders(): Map<string, Set<string>> {
    if (this.holders?.applied === this.applied) return this.holders.byParty;
    const byParty = new Map<string, Set<string>>();
    const hold = (party: PartyId, id: string) => {
      const key = formatParty(party);
      byParty.set(key, (byParty.get(key) ?? new Set()).add(id));
    };
    for (const [id, { state }] of this.folds) {
      if (!ACTIVE.has(state.status)) continue;
      for (const role of state.permittedRoles) hold(role, id);
      for (const role of state.roles) hold({ countryCode: role.country_code, partyId: role.party_id }, id);
    }
    this.holders = { applied: this.applied, byParty };
    return byParty;
  }

  /** Which partner a credentials token we issued belongs to, unless it was revoked (by its sha256 hash). */
  tokenOwner(tokenHash: string): string | undefined {
    const issued = this.tokens.get(tokenHash);
    return issued?.partnerId && !issued.revoked ? issued.partnerId : undefined;
  }

  async list(): Promise<PartnerView[]> {
    await this.ready();
    const views = await Promise.all([...this.folds.keys()].map((id) => this.get(id)));
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
      // A 2.3.0 hub's own party only: the other parties of its credentials are behind it.
      roles: (state.hubParty ? state.roles.filter((role) => isHubRole(state, role)) : state.roles).map((role) => ({
        role: role.role,
        countryCode: role.country_code.toUpperCase(),
        partyId: role.party_id.toUpperCase(),
        name: role.business_details.name,
      })),
      versionsUrl: state.versionsUrl,
      version: state.version,
      endpoints: state.endpoints,
      behind: this.behind(partnerId),
      invitedAt: state.invitedAt,
      registeredAt: state.registeredAt,
      lastContactAt,
    };
  }

  /**
   * A client that calls the partner with the token it gave us, as the version negotiated with it
   * wants it. Only for registered partners that are not suspended: both parties must end automated
   * communication otherwise.
   */
  async client(partnerId: string, options: Omit<OcpiClientOptions, 'token' | 'plainToken'> = {}): Promise<OcpiClient> {
    const { state } = await this.load(partnerId);
    if (state.status !== 'registered' || !state.theirToken)
      throw new Error(`Partner ${partnerId} is not registered (${state.status})`);
    if (state.suspended) throw new Error(`Partner ${partnerId} is suspended`);
    // 2.1.1 has no routing headers and sends the token as is.
    const v211 = state.version === '2.1.1';
    return new OcpiClient({
      ...options,
      ...(v211 ? { fromParty: undefined, toParty: undefined } : {}),
      token: this.vault.open(state.theirToken),
      plainToken: state.allowPlainToken || v211,
    });
  }

  /** The partner's state, and when its last event was recorded. */
  async load(partnerId: string): Promise<{ state: PartnerState; lastEventAt?: string }> {
    await this.ready();
    return this.known(partnerId);
  }

  /** What the directory holds now, without waiting (authentication, once the module started). */
  known(partnerId: string): { state: PartnerState; lastEventAt?: string } {
    return this.folds.get(partnerId) ?? { state: partnerDecider.initialState() };
  }

  /** Called when the partner authenticated: tells this process's listeners at once. */
  noteContact(partnerId: string, at = new Date().toISOString()): void {
    this.lastSeen.set(partnerId, at);
    this.contacts.emit('contact', partnerId);
  }

  /**
   * Called when a registered partner's request succeeded: records PartnerContacted for the other
   * processes, unless one was recorded (by any process) within the interval.
   */
  recordContact(partnerId: string, at = new Date().toISOString()): void {
    const now = Date.parse(at);
    if (this.closed || now - (this.contactRecordedAt.get(partnerId) ?? 0) < this.contactOptions.recordEveryMs) return;
    this.contactRecordedAt.set(partnerId, now);
    const events = partnerContactDecider.decide({ type: 'RecordContact', partnerId, at }, partnerContactDecider.initialState());
    const appended = events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data }));
    for (const event of appended) this.ownContacts.add(event.id);
    // Not awaited: the partner's answer does not wait for this fact, which depends on no state.
    this.store.append(partnerContactStream(partnerId), appended, { expectedRevision: 'any' }).catch((error) => {
      for (const event of appended) this.ownContacts.delete(event.id);
      this.contactRecordedAt.delete(partnerId);
      this.logger.warn(`Could not record the contact of partner ${partnerId}: ${(error as Error).message}`);
    });
  }

  /** A contact recorded by any process: the partner is reachable, whichever service it called. */
  private applyContact(event: RecordedEvent & PartnerContacted): void {
    const partnerId = event.data.partner_id;
    const at = event.data.at;
    this.contactRecordedAt.set(partnerId, Math.max(this.contactRecordedAt.get(partnerId) ?? 0, Date.parse(at)));
    if ((this.lastSeen.get(partnerId) ?? '') < at) this.lastSeen.set(partnerId, at);
    if (this.ownContacts.delete(event.id)) return;
    this.contacts.emit('contact', partnerId);
  }

  /** Listens for partners authenticating (a partner that was unreachable is back). */
  onContact(listener: (partnerId: string) => void): void {
    this.contacts.on('contact', listener);
  }
}

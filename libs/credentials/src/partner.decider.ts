import type { Decider } from '@roamledger/kernel';
import type { PartyId, PartyRole } from '@roamledger/ocpi';
import type {
  CredentialsEventData,
  InvitedPartyData,
  PartnerCredentialsRole,
  PartnerEndpoint,
  PartnerEvent,
} from './partner.events';
import type { SealedToken } from './token-vault';

/**
 * One partner connection, from the operator's invitation (or our own registration with the
 * partner) to unregistration. Pure: commands carry every value that needs I/O or a clock (token
 * hashes, the partner's sealed token, discovered endpoints, `at`).
 *
 * Tokens we issue appear only as sha256 hex digests. The token the partner gave us for calling it
 * is kept sealed (see TokenVault): it is needed in clear to call the partner, the log is not.
 */

const upper = (value: string) => value.toUpperCase();

/** The stream of a partner connection: its registration, tokens and rejected requests. */
export function partnerStream(partnerId: string): string {
  return `${PARTNER_STREAM_PREFIX}${partnerId}`;
}

export const PARTNER_STREAM_PREFIX = 'partner-';

export type PartnerStatus = 'none' | 'invited' | 'connecting' | 'registered' | 'unregistered' | 'connection_failed';

export interface InvitedParty {
  countryCode: string;
  partyId: string;
  roles: PartyRole['role'][];
}

/** The first party (as invitations always named one), and every party it names (a platform's several). */
export interface Invitation extends InvitedParty {
  parties: InvitedParty[];
}

export interface PartnerState {
  status: PartnerStatus;
  id?: string;
  name?: string;
  /** `partner`: we invited it and it registered with us; `us`: we registered with it. */
  initiatedBy?: 'partner' | 'us';
  invitation?: Invitation;
  /** The parties (and roles) this connection may ever hold: fixed by the invitation, or at connect. */
  permittedRoles: PartyRole[];
  /** The roles of the partner's current credentials (a 2.3.0 hub's with its HUB role, see withHubRole). */
  roles: PartnerCredentialsRole[];
  /** A 2.3.0 hub's own party (its credentials' `hub_party_id`): its other roles are the parties behind it. */
  hubParty?: PartyId;
  versionsUrl?: string;
  version?: string;
  endpoints: PartnerEndpoint[];
  theirToken?: SealedToken;
  /** sha256 of Token A (invited) while the invitation is open. */
  tokenAHash?: string;
  /** sha256 of the token the partner calls us with (our Token C, or the token B we gave it when we connected). */
  tokenCHash?: string;
  suspended: boolean;
  allowPlainToken: boolean;
  invitedAt?: string;
  registeredAt?: string;
}

// ---- commands ----

export type PartnerCommand =
  | {
      type: 'InvitePartner';
      partnerId: string;
      name: string;
      countryCode: string;
      partyId: string;
      roles: PartyRole['role'][];
      /** Further parties of a platform, with their roles. */
      moreParties?: InvitedParty[];
      tokenAHash: string;
      at: string;
    }
  | ({ type: 'RegisterPartner' } & CredentialsUpdate)
  | ({ type: 'UpdateCredentials' } & CredentialsUpdate)
  | { type: 'UnregisterPartner'; by: 'partner' | 'operator'; at: string }
  | {
      type: 'StartConnection';
      partnerId: string;
      versionsUrl: string;
      version: string;
      endpoints: PartnerEndpoint[];
      tokenHash: string;
      at: string;
    }
  | {
      type: 'CompleteConnection';
      roles: PartnerCredentialsRole[];
      /** A 2.3.0 hub's `hub_party_id`. */
      hubPartyId?: string;
      theirToken: SealedToken;
      at: string;
    }
  | { type: 'FailConnection'; reason: string; at: string }
  | { type: 'SuspendPartner'; reason?: string; at: string }
  | { type: 'ResumePartner'; at: string }
  | { type: 'SetPlainTokenAllowance'; allow: boolean; at: string };

/** What a POST or PUT of the partner's credentials brings, once its endpoints were fetched. */
export interface CredentialsUpdate {
  roles: PartnerCredentialsRole[];
  /** A 2.3.0 hub's `hub_party_id` (`CCPID`): its own party, the roles being those behind it. */
  hubPartyId?: string;
  versionsUrl: string;
  version: string;
  endpoints: PartnerEndpoint[];
  theirToken: SealedToken;
  /** sha256 of the fresh Token C we answer with. */
  tokenCHash: string;
  at: string;
}

export type PartnerRejectionReason =
  | 'unknown_partner'
  | 'already_exists'
  | 'already_registered'
  | 'not_registered'
  | 'not_connecting'
  | 'roles_not_permitted'
  | 'party_taken';

/** A command the partner's state does not allow. */
export class PartnerRejection extends Error {
  constructor(
    readonly reason: PartnerRejectionReason,
    message: string,
  ) {
    super(message);
    this.name = 'PartnerRejection';
  }
}

// ---- rules shared by decide and the callers' early checks ----

/** A POST (registration) is for an invited partner; once registered, the spec answers 405. */
export function assertCanRegister(state: PartnerState, roles: PartnerCredentialsRole[]): void {
  if (state.status === 'registered') {
    throw new PartnerRejection('already_registered', 'Already registered: update with PUT, or unregister with DELETE first');
  }
  if (state.status !== 'invited')
    throw new PartnerRejection('not_registered', `Registration is not open (status ${state.status})`);
  assertPermittedRoles(state, roles);
}

/** PUT and DELETE need a registered partner (405 otherwise). */
export function assertRegistered(state: PartnerState): void {
  if (state.status !== 'registered') {
    throw new PartnerRejection('not_registered', `Not registered (status ${state.status}): register with POST first`);
  }
}

/** A partner holds only the parties it was let in with: its credentials cannot claim others. */
export function assertPermittedRoles(state: PartnerState, roles: PartnerCredentialsRole[]): void {
  const refused = roles.filter(
    (role) =>
      !state.permittedRoles.some(
        (permitted) =>
          permitted.role === role.role &&
          permitted.countryCode === role.country_code.toUpperCase() &&
          permitted.partyId === role.party_id.toUpperCase(),
      ),
  );
  if (refused.length > 0) {
    const listed = refused.map((role) => `${role.role} ${role.country_code}*${role.party_id}`).join(', ');
    const allowed = state.permittedRoles.map((role) => `${role.role} ${role.countryCode}*${role.partyId}`).join(', ');
    throw new PartnerRejection(
      'roles_not_permitted',
      `roles ${listed} are not the ones this connection was set up for (${allowed})`,
    );
  }
}

/** The party of a 2.3.0 `hub_party_id`: country code and party id concatenated. */
export function hubPartyOf(hubPartyId: string): PartyId {
  return { countryCode: upper(hubPartyId.slice(0, 2)), partyId: upper(hubPartyId.slice(2)) };
}

/**
 * The parties a 2.3.0 hub holds: those of its `roles` (reachable through it) and its own under the
 * HUB role, as a 2.2.1 hub's credentials name it. So a hub's credentials are checked against its
 * invitation as any platform's are (HUB for `hub_party_id`, and each party behind it): the operator
 * says which parties may be reached through it, a hub cannot claim one it was not let in for.
 */
export function withHubRole(roles: PartnerCredentialsRole[], hubPartyId?: string): PartnerCredentialsRole[] {
  if (!hubPartyId) return roles;
  const hub = hubPartyOf(hubPartyId);
  const isHub = (role: PartnerCredentialsRole) =>
    role.role === 'HUB' && upper(role.country_code) === hub.countryCode && upper(role.party_id) === hub.partyId;
  if (roles.some(isHub)) return roles;
  const own = {
    role: 'HUB' as const,
    country_code: hub.countryCode,
    party_id: hub.partyId,
    business_details: { name: hubPartyId },
  };
  return [own, ...roles];
}

/** Which kind of credentials token a hash is for this partner now, if any. */
export function credentialsTokenKind(state: PartnerState, tokenHash: string): 'A' | 'C' | undefined {
  if (state.status === 'invited' && state.tokenAHash === tokenHash) return 'A';
  // While we register with the partner, it may call our versions and credentials with the token
  // we are giving it, but nothing else until the handshake is complete.
  if (state.status === 'connecting' && state.tokenCHash === tokenHash) return 'A';
  if (state.status === 'registered' && state.tokenCHash === tokenHash) return 'C';
  return undefined;
}

function credentialsData(update: CredentialsUpdate, revoked: string | undefined): CredentialsEventData {
  return {
    roles: update.roles,
    ...(update.hubPartyId ? { hub_party_id: upper(update.hubPartyId) } : {}),
    versions_url: update.versionsUrl,
    version: update.version,
    endpoints: update.endpoints,
    their_token: update.theirToken,
    token_c_sha256: update.tokenCHash,
    ...(revoked ? { revoked_token_sha256: revoked } : {}),
  };
}

/** The invitation's parties, the first one first, each once (a party named twice gets the roles of both). */
function invitedParties(command: Extract<PartnerCommand, { type: 'InvitePartner' }>): InvitedPartyData[] {
  const parties: InvitedPartyData[] = [];
  for (const party of [
    { countryCode: command.countryCode, partyId: command.partyId, roles: command.roles },
    ...(command.moreParties ?? []),
  ]) {
    const known = parties.find((p) => p.country_code === upper(party.countryCode) && p.party_id === upper(party.partyId));
    if (known) known.roles = [...new Set([...known.roles, ...party.roles])];
    else
      parties.push({ country_code: upper(party.countryCode), party_id: upper(party.partyId), roles: [...new Set(party.roles)] });
  }
  return parties;
}

export const partnerDecider: Decider<PartnerCommand, PartnerEvent, PartnerState> = {
  initialState: () => ({
    status: 'none',
    permittedRoles: [],
    roles: [],
    endpoints: [],
    suspended: false,
    allowPlainToken: false,
  }),

  decide(command, state) {
    switch (command.type) {
      case 'InvitePartner': {
        if (state.status !== 'none') throw new PartnerRejection('already_exists', `Partner ${command.partnerId} already exists`);
        const parties = invitedParties(command);
        return [
          {
            type: 'PartnerInvited',
            data: {
              partner_id: command.partnerId,
              name: command.name,
              country_code: upper(command.countryCode),
              party_id: upper(command.partyId),
              roles: command.roles,
              ...(parties.length > 1 ? { parties } : {}),
              token_a_sha256: command.tokenAHash,
              invited_at: command.at,
            },
          },
        ];
      }
      case 'RegisterPartner':
        assertCanRegister(state, withHubRole(command.roles, command.hubPartyId));
        return [
          { type: 'PartnerRegistered', data: { ...credentialsData(command, state.tokenAHash), registered_at: command.at } },
        ];
      case 'UpdateCredentials':
        assertRegistered(state);
        assertPermittedRoles(state, withHubRole(command.roles, command.hubPartyId));
        return [{ type: 'CredentialsRotated', data: { ...credentialsData(command, state.tokenCHash), rotated_at: command.at } }];
      case 'UnregisterPartner':
        assertRegistered(state);
        return [
          {
            type: 'PartnerUnregistered',
            data: { by: command.by, revoked_token_sha256: state.tokenCHash, unregistered_at: command.at },
          },
        ];
      case 'StartConnection':
        if (state.status !== 'none') throw new PartnerRejection('already_exists', `Partner ${command.partnerId} already exists`);
        return [
          {
            type: 'PartnerConnectionStarted',
            data: {
              partner_id: command.partnerId,
              versions_url: command.versionsUrl,
              version: command.version,
              endpoints: command.endpoints,
              token_c_sha256: command.tokenHash,
              started_at: command.at,
            },
          },
        ];
      case 'CompleteConnection':
        if (state.status !== 'connecting')
          throw new PartnerRejection('not_connecting', `No connection in progress (status ${state.status})`);
        return [
          {
            type: 'ConnectedToPartner',
            data: {
              name: command.roles[0]?.business_details.name ?? state.versionsUrl ?? 'partner',
              roles: command.roles,
              ...(command.hubPartyId ? { hub_party_id: upper(command.hubPartyId) } : {}),
              their_token: command.theirToken,
              connected_at: command.at,
            },
          },
        ];
      case 'FailConnection':
        if (state.status !== 'connecting')
          throw new PartnerRejection('not_connecting', `No connection in progress (status ${state.status})`);
        return [
          {
            type: 'PartnerConnectionFailed',
            data: { reason: command.reason, revoked_token_sha256: state.tokenCHash, failed_at: command.at },
          },
        ];
      case 'SuspendPartner':
        if (state.status === 'none') throw new PartnerRejection('unknown_partner', 'Unknown partner');
        return state.suspended
          ? []
          : [
              {
                type: 'PartnerSuspended',
                data: { ...(command.reason ? { reason: command.reason } : {}), suspended_at: command.at },
              },
            ];
      case 'ResumePartner':
        if (state.status === 'none') throw new PartnerRejection('unknown_partner', 'Unknown partner');
        return state.suspended ? [{ type: 'PartnerResumed', data: { resumed_at: command.at } }] : [];
      case 'SetPlainTokenAllowance':
        if (state.status === 'none') throw new PartnerRejection('unknown_partner', 'Unknown partner');
        return state.allowPlainToken === command.allow
          ? []
          : [{ type: 'PlainTokenAllowanceChanged', data: { allow_plain_token: command.allow, changed_at: command.at } }];
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'PartnerInvited': {
        const { data } = event;
        const parties = (data.parties ?? [data]).map((party) => ({
          countryCode: party.country_code,
          partyId: party.party_id,
          roles: party.roles,
        }));
        return {
          ...state,
          status: 'invited',
          id: data.partner_id,
          name: data.name,
          initiatedBy: 'partner',
          invitation: { countryCode: data.country_code, partyId: data.party_id, roles: data.roles, parties },
          permittedRoles: parties.flatMap((party) =>
            party.roles.map((role) => ({ role, countryCode: party.countryCode, partyId: party.partyId })),
          ),
          tokenAHash: data.token_a_sha256,
          invitedAt: data.invited_at,
        };
      }
      case 'PartnerRegistered':
      case 'CredentialsRotated': {
        const { data } = event;
        return {
          ...state,
          status: 'registered',
          roles: withHubRole(data.roles, data.hub_party_id),
          hubParty: data.hub_party_id ? hubPartyOf(data.hub_party_id) : undefined,
          versionsUrl: data.versions_url,
          version: data.version,
          endpoints: data.endpoints,
          theirToken: data.their_token,
          tokenAHash: undefined,
          tokenCHash: data.token_c_sha256,
          registeredAt: event.type === 'PartnerRegistered' ? event.data.registered_at : state.registeredAt,
        };
      }
      case 'PartnerUnregistered':
        return { ...state, status: 'unregistered', tokenCHash: undefined, theirToken: undefined };
      case 'PartnerConnectionStarted': {
        const { data } = event;
        return {
          ...state,
          status: 'connecting',
          id: data.partner_id,
          initiatedBy: 'us',
          versionsUrl: data.versions_url,
          version: data.version,
          endpoints: data.endpoints,
          tokenCHash: data.token_c_sha256,
        };
      }
      case 'ConnectedToPartner': {
        const { data } = event;
        const roles = withHubRole(data.roles, data.hub_party_id);
        return {
          ...state,
          status: 'registered',
          name: data.name,
          roles,
          hubParty: data.hub_party_id ? hubPartyOf(data.hub_party_id) : undefined,
          // What the partner presented when we connected is what it may hold from then on.
          permittedRoles: roles.map((role) => ({
            role: role.role,
            countryCode: upper(role.country_code),
            partyId: upper(role.party_id),
          })),
          theirToken: data.their_token,
          registeredAt: data.connected_at,
        };
      }
      case 'PartnerConnectionFailed':
        return { ...state, status: 'connection_failed', tokenCHash: undefined };
      case 'PartnerSuspended':
        return { ...state, suspended: true };
      case 'PartnerResumed':
        return { ...state, suspended: false };
      case 'PlainTokenAllowanceChanged':
        return { ...state, allowPlainToken: event.data.allow_plain_token };
      default:
        // The requests and rejections the transport records in this stream change nothing here.
        return state;
    }
  },
};

import type { DomainEvent } from '@roamledger/kernel';
import type { PartyRole } from '@roamledger/ocpi';
import type { SealedToken } from './token-vault';

/** The OCPI objects stored as received (snake_case, as the spec names them). */
export interface PartnerCredentialsRole {
  role: PartyRole['role'];
  country_code: string;
  party_id: string;
  business_details: { name: string; website?: string; logo?: unknown };
}

/** One party of an invitation and the roles it may hold under it. */
export interface InvitedPartyData {
  country_code: string;
  party_id: string;
  roles: PartyRole['role'][];
}

export interface PartnerEndpoint {
  identifier: string;
  role: 'SENDER' | 'RECEIVER';
  url: string;
}

/** What happens to one partner connection, from invitation to unregistration. */
export type PartnerEvent =
  | DomainEvent<
      'PartnerInvited',
      {
        partner_id: string;
        name: string;
        country_code: string;
        party_id: string;
        roles: PartyRole['role'][];
        /** A platform's invitation: every party it may hold (the one above first); absent for one party. */
        parties?: InvitedPartyData[];
        token_a_sha256: string;
        invited_at: string;
      }
    >
  | DomainEvent<'PartnerRegistered', CredentialsEventData & { registered_at: string }>
  | DomainEvent<'CredentialsRotated', CredentialsEventData & { rotated_at: string }>
  | DomainEvent<'PartnerUnregistered', { by: 'partner' | 'operator'; revoked_token_sha256?: string; unregistered_at: string }>
  | DomainEvent<
      'PartnerConnectionStarted',
      {
        partner_id: string;
        versions_url: string;
        version: string;
        endpoints: PartnerEndpoint[];
        token_c_sha256: string;
        started_at: string;
      }
    >
  | DomainEvent<
      'ConnectedToPartner',
      {
        name: string;
        roles: PartnerCredentialsRole[];
        /** A 2.3.0 hub's own party (`CCPID`); absent in events before it was read, and for non-hubs. */
        hub_party_id?: string;
        their_token: SealedToken;
        connected_at: string;
      }
    >
  | DomainEvent<'PartnerConnectionFailed', { reason: string; revoked_token_sha256?: string; failed_at: string }>
  | DomainEvent<'PartnerSuspended', { reason?: string; suspended_at: string }>
  | DomainEvent<'PartnerResumed', { resumed_at: string }>
  | DomainEvent<'PlainTokenAllowanceChanged', { allow_plain_token: boolean; changed_at: string }>;

export interface CredentialsEventData {
  roles: PartnerCredentialsRole[];
  /**
   * A 2.3.0 hub's own party (`CCPID`, upper case): `roles` then lists the parties reachable through
   * it. Absent for other partners, other versions and events recorded before it was read.
   */
  hub_party_id?: string;
  versions_url: string;
  version: string;
  endpoints: PartnerEndpoint[];
  their_token: SealedToken;
  token_c_sha256: string;
  /** The token this event retires (Token A on registration, the previous Token C on rotation). */
  revoked_token_sha256?: string;
}

export type PartnerEventType = PartnerEvent['type'];

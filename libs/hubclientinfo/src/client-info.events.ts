import type { DomainEvent } from '@roamledger/kernel';
import type { ConnectionStatus } from '@roamledger/ocpi';

/** A party's connection status as the hub reports it (mod_hub_client_info ClientInfo), and which hub said so. */
export type ClientInfoUpdated = DomainEvent<
  'ClientInfoUpdated',
  {
    country_code: string;
    party_id: string;
    role: string;
    status: ConnectionStatus;
    previous_status?: ConnectionStatus;
    last_updated: string;
    partner_id: string;
    /** Fields of the ClientInfo the spec does not document, as sent (2.3.0 routes keep them). */
    extra?: Record<string, unknown>;
  }
>;

/** A report older (by last_updated) than the one we hold: kept, not applied. */
export type StaleClientInfoReceived = DomainEvent<
  'StaleClientInfoReceived',
  { country_code: string; party_id: string; last_updated: string; held_last_updated: string; partner_id: string }
>;

export type ClientInfoEvent = ClientInfoUpdated | StaleClientInfoReceived;

export const CLIENT_INFO_EVENT_TYPES: ReadonlyArray<ClientInfoEvent['type']> = ['ClientInfoUpdated', 'StaleClientInfoReceived'];

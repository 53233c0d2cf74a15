import type { PartyId } from '@roamledger/ocpi/values';

/**
 * Whether a party may be called now, as a hub's HubClientInfo reports it (mod_hub_client_info):
 * pushes and commands to an OFFLINE or SUSPENDED party are not attempted. Optional: without the
 * hubclientinfo module every party is reachable.
 */
export interface PartyReachabilityPort {
  /** undefined: reachable (no report, or CONNECTED/PLANNED); otherwise the reported status. */
  unreachable(party: PartyId): Promise<string | undefined>;
  /** Called when a party the hub reported unreachable is CONNECTED again. */
  onReconnect(listener: (party: PartyId) => void): () => void;
}

export const PARTY_REACHABILITY = Symbol('PARTY_REACHABILITY');

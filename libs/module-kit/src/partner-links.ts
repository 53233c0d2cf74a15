import type { PartyId } from '@roamledger/ocpi/values';
import type { OcpiClient } from '@roamledger/ocpi-transport';

/** A registered, not suspended partner as modules that call partners see it. */
export interface PartnerLink {
  partnerId: string;
  name: string;
  /** The OCPI version negotiated with it: every call to it speaks this version's wire objects (absent: 2.2.1). */
  version?: string;
  /** The parties its credentials hold, with their roles. */
  parties: Array<PartyId & { role: string }>;
  /** The URL of its endpoint for an OCPI module and interface role, when its details (of `version`) list one. */
  endpoint(module: string, role: 'SENDER' | 'RECEIVER'): string | undefined;
}

export interface PartnerCallOptions {
  fromParty?: PartyId;
  toParty?: PartyId;
  retries?: number;
  timeoutMs?: number;
}

/**
 * What the modules that speak first (tokens push, commands) need of partners, without importing the
 * credentials module that implements it (PARTNER_LINKS, from its global PartnersModule).
 */
export interface PartnerLinksPort {
  /** Partners that may be called now: registered and not suspended. */
  list(): Promise<PartnerLink[]>;
  get(partnerId: string): Promise<PartnerLink | undefined>;
  /** A client that calls the partner with the token it gave us. */
  client(partnerId: string, options?: PartnerCallOptions): Promise<OcpiClient>;
  /** Called whenever the partner authenticates on one of our OCPI routes (it is reachable again). */
  onContact(listener: (partnerId: string) => void): () => void;
}

export const PARTNER_LINKS = Symbol('PARTNER_LINKS');

/** A country_code + party_id pair: who owns an OCPI object. */
export interface PartyId {
  countryCode: string;
  partyId: string;
}

export type OcpiRole = 'CPO' | 'EMSP' | 'HUB' | 'NAP' | 'NSP' | 'OTHER' | 'SCSP';

export interface PartyRole extends PartyId {
  role: OcpiRole;
}

/** `CC*PID`, the form parties are written in across Roamledger (metadata, logs, finance filters). */
export function formatParty(party: PartyId): string {
  return `${party.countryCode.toUpperCase()}*${party.partyId.toUpperCase()}`;
}

/** OCPI country codes and party ids are case-insensitive (CiString). */
export function sameParty(a: PartyId, b: PartyId): boolean {
  return a.countryCode.toUpperCase() === b.countryCode.toUpperCase() && a.partyId.toUpperCase() === b.partyId.toUpperCase();
}

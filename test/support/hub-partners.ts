import { type AuthenticatedPartner, encodeCredentialsToken } from '@roamledger/ocpi-transport';

/** A hub (NL*HUB) and a CPO behind it (DE*ABC), with fixed tokens, for the HubClientInfo and Commands tests. */
export const HUB_AND_CPO: Record<string, AuthenticatedPartner> = {
  'token-hub': {
    partnerId: 'p-hub',
    name: 'Hub',
    tokenKind: 'C',
    roles: [{ countryCode: 'NL', partyId: 'HUB', role: 'HUB' }],
    suspended: false,
  },
  'token-cpo': {
    partnerId: 'p-cpo',
    name: 'CPO',
    tokenKind: 'C',
    roles: [{ countryCode: 'DE', partyId: 'ABC', role: 'CPO' }],
    suspended: false,
  },
};
export const HUB = { authorization: encodeCredentialsToken('token-hub') };
export const CPO = { authorization: encodeCredentialsToken('token-cpo') };

import type { PartyRole } from '@roamledger/ocpi';

/** A partner as the transport sees it once its credentials token matched. */
export interface AuthenticatedPartner {
  partnerId: string;
  name: string;
  /** A: the invitation token, valid only on versions and credentials. C: the token of a registered partner. */
  tokenKind: 'A' | 'C';
  /** The parties (with roles) the partner's credentials hold; empty before registration. */
  roles: PartyRole[];
  suspended: boolean;
}

/** How the transport finds the partner behind a credentials token; the credentials module implements it. */
export interface PartnerAuthenticator {
  /**
   * @param token the credentials token as decoded from the Authorization header
   * @param form 'base64' when it was Base64 encoded (2.2.1), 'plain' when taken as sent (2.1.1/2.2 peers);
   *             a plain token matches only partners allowed to send it so, or on a 2.1.1 route (2.1.1 sends it so)
   * @param version the OCPI version of the route called
   */
  authenticate(token: string, form: 'base64' | 'plain', version?: string): Promise<AuthenticatedPartner | undefined>;
}

export const PARTNER_AUTHENTICATOR = Symbol('PARTNER_AUTHENTICATOR');

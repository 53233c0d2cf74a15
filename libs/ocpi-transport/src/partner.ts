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
   *             a plain token matches only partners allowed to send it so, unless `plainIsNormal`
   * @param plainIsNormal the route is one where the plain form is the rule: a 2.1.1 route (2.1.1 sends
   *             the token as is), or GET /ocpi/versions, which every version shares and a 2.1.1 partner calls first
   */
  authenticate(token: string, form: 'base64' | 'plain', plainIsNormal?: boolean): Promise<AuthenticatedPartner | undefined>;
}

export const PARTNER_AUTHENTICATOR = Symbol('PARTNER_AUTHENTICATOR');

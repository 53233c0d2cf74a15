import { Injectable } from '@nestjs/common';
import { Role } from '@roamledger/ocpi';
import type { AuthenticatedPartner, PartnerAuthenticator } from '@roamledger/ocpi-transport';
import { credentialsTokenHash } from './credentials-token';
import { credentialsTokenKind } from './partner.decider';
import { PartnerDirectory } from './partner-directory';

/**
 * The PartnerAuthenticator of every OCPI controller, from the directory's memory: the token's hash
 * finds the partner in the token index, and the partner's own state decides whether the token is
 * current (Token A until registration, the latest Token C until rotation or unregistration).
 */
@Injectable()
export class CredentialsTokenAuthenticator implements PartnerAuthenticator {
  constructor(private readonly directory: PartnerDirectory) {}

  async authenticate(token: string, form: 'base64' | 'plain', plainIsNormal = false): Promise<AuthenticatedPartner | undefined> {
    const hash = credentialsTokenHash(token);
    await this.directory.ready();
    const partnerId = this.directory.tokenOwner(hash);
    if (!partnerId) return undefined;
    const { state } = this.directory.known(partnerId);
    const kind = credentialsTokenKind(state, hash);
    // 2.1.1 sends the token as is (its Authorization header predates the Base64 rule of 2.2).
    if (!kind || (form === 'plain' && !state.allowPlainToken && !plainIsNormal)) return undefined;
    this.directory.noteContact(partnerId);
    const roles =
      kind === 'C' ? state.permittedRoles.filter((permitted) => state.roles.some((role) => sameRole(role, permitted))) : [];
    // A hub acts for the parties behind it; the report of a new one may have just been appended elsewhere.
    const hub = roles.some((role) => role.role === Role.HUB);
    if (hub) await this.directory.caughtUp();
    return {
      partnerId,
      name: state.name ?? partnerId,
      tokenKind: kind,
      roles: hub ? [...roles, ...this.directory.behind(partnerId)] : roles,
      suspended: state.suspended,
    };
  }
}

function sameRole(
  role: { role: string; country_code: string; party_id: string },
  permitted: { role: string; countryCode: string; partyId: string },
): boolean {
  return (
    role.role === permitted.role &&
    role.country_code.toUpperCase() === permitted.countryCode &&
    role.party_id.toUpperCase() === permitted.partyId
  );
}

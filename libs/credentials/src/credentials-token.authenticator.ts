import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { foldEvents } from '@roamledger/kernel';
import type { AuthenticatedPartner, PartnerAuthenticator } from '@roamledger/ocpi-transport';
import { credentialsTokenHash, credentialsTokenStream, issuedTokenDecider } from './credentials-token';
import { credentialsTokenKind } from './partner.decider';
import { PartnerDirectory } from './partner-directory';

/**
 * The PartnerAuthenticator of every OCPI controller: the token's hash finds its index stream, the
 * index names the partner, and the partner's own stream decides whether the token is current
 * (Token A until registration, the latest Token C until rotation or unregistration).
 */
@Injectable()
export class CredentialsTokenAuthenticator implements PartnerAuthenticator {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly directory: PartnerDirectory,
  ) {}

  async authenticate(token: string, form: 'base64' | 'plain'): Promise<AuthenticatedPartner | undefined> {
    const hash = credentialsTokenHash(token);
    const issued = foldEvents(issuedTokenDecider, await this.store.readStream(credentialsTokenStream(hash)));
    if (!issued.partnerId || issued.revoked) return undefined;
    const { state } = await this.directory.load(issued.partnerId);
    const kind = credentialsTokenKind(state, hash);
    if (!kind || (form === 'plain' && !state.allowPlainToken)) return undefined;
    this.directory.noteContact(issued.partnerId);
    return {
      partnerId: issued.partnerId,
      name: state.name ?? issued.partnerId,
      tokenKind: kind,
      roles:
        kind === 'C' ? state.permittedRoles.filter((permitted) => state.roles.some((role) => sameRole(role, permitted))) : [],
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

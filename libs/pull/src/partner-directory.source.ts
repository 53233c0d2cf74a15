import type { PartnerDirectory, PartnerView } from '@roamledger/credentials';
import type { PartyId } from '@roamledger/ocpi';
import type { PullModuleId, PullPartner, PullSource } from './pull-source';

/**
 * Partners from the credentials module: registered, not suspended, with the Sender endpoints their
 * version details listed; called with the token they gave us, as our first hosted party.
 */
export function partnerDirectorySource(directory: PartnerDirectory, ourParty?: PartyId): PullSource {
  const usable = (view: PartnerView | undefined): view is PartnerView => view?.status === 'registered' && !view.suspended;
  const toPullPartner = (view: PartnerView): PullPartner => ({
    partnerId: view.id,
    ...(view.version ? { version: view.version } : {}),
    ...(ourParty ? { ourParty } : {}),
    parties: [...view.roles, ...view.behind].map((role) => ({ countryCode: role.countryCode, partyId: role.partyId })),
    senderUrl: (module: PullModuleId) =>
      view.endpoints.find((endpoint) => endpoint.identifier === module && endpoint.role === 'SENDER')?.url,
    // GET All via a hub: addressed to the hub's own party, which gathers its parties' objects.
    client: () => {
      const hub = view.roles.find((role) => role.role === 'HUB');
      return directory.client(view.id, { ...(ourParty ? { fromParty: ourParty } : {}), ...(hub ? { toParty: hub } : {}) });
    },
  });
  return {
    async list() {
      return (await directory.list()).filter(usable).map(toPullPartner);
    },
    async get(partnerId) {
      const view = await directory.get(partnerId);
      return usable(view) ? toPullPartner(view) : undefined;
    },
  };
}

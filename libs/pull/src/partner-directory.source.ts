import type { PartnerDirectory, PartnerView } from '@roamledger/credentials';
import type { PartyId } from '@roamledger/ocpi';
import type { PullModuleId, PullPartner, PullSource } from './pull-source';

/**
 * Partners from the credentials module: registered, not suspended, with the Sender endpoints their
 * version details listed; called with the token they gave us, as our first hosted party (through
 * a hub: as each of `ourParties`).
 */
export function partnerDirectorySource(directory: PartnerDirectory, ourParties: readonly PartyId[] = []): PullSource {
  const usable = (view: PartnerView | undefined): view is PartnerView => view?.status === 'registered' && !view.suspended;
  const [ourParty] = ourParties;
  const toPullPartner = (view: PartnerView): PullPartner => {
    const hub = view.roles.find((role) => role.role === 'HUB');
    return {
      partnerId: view.id,
      ...(view.version ? { version: view.version } : {}),
      ...(ourParty ? { ourParty } : {}),
      parties: [...view.roles, ...view.behind].map((role) => ({ countryCode: role.countryCode, partyId: role.partyId })),
      // A hub's GET All answers what concerns the requesting party: each of ours asks. (2.1.1 has
      // no routing headers, so one ask there.)
      ...(hub && view.version !== '2.1.1' && ourParties.length > 1 ? { askAs: [...ourParties] } : {}),
      senderUrl: (module: PullModuleId) =>
        view.endpoints.find((endpoint) => endpoint.identifier === module && endpoint.role === 'SENDER')?.url,
      // GET All via a hub: addressed to the hub's own party, which gathers its parties' objects.
      client: (as?: PartyId) => {
        const from = as ?? ourParty;
        return directory.client(view.id, {
          ...(from ? { fromParty: from } : {}),
          ...(hub ? { toParty: { countryCode: hub.countryCode, partyId: hub.partyId } } : {}),
        });
      },
    };
  };
  return {
    // A run starts from every partner event this process appended (a hub's report of the parties
    // behind it just before, say), not from what the subscription has delivered so far.
    async list() {
      await directory.caughtUp();
      return (await directory.list()).filter(usable).map(toPullPartner);
    },
    async get(partnerId) {
      await directory.caughtUp();
      const view = await directory.get(partnerId);
      return usable(view) ? toPullPartner(view) : undefined;
    },
  };
}

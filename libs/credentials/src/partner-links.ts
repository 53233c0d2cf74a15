import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import { OCPI_VERSION, type PartnerCallOptions, type PartnerLink, type PartnerLinksPort } from '@roamledger/module-kit';
import type { OcpiClient } from '@roamledger/ocpi-transport';
import { PartnerDirectory, type PartnerView } from './partner-directory';

/** PARTNER_LINKS from the PartnerDirectory: registered, not suspended partners and their endpoints. */
@Injectable()
export class PartnerLinksFromDirectory implements PartnerLinksPort {
  private readonly contacts = new EventEmitter();

  constructor(private readonly directory: PartnerDirectory) {
    this.contacts.setMaxListeners(0);
    directory.onContact((partnerId) => this.contacts.emit('contact', partnerId));
  }

  async list(): Promise<PartnerLink[]> {
    return (await this.directory.list()).filter(usable).map(link);
  }

  async get(partnerId: string): Promise<PartnerLink | undefined> {
    const view = await this.directory.get(partnerId);
    return usable(view) ? link(view) : undefined;
  }

  client(partnerId: string, options: PartnerCallOptions = {}): Promise<OcpiClient> {
    return this.directory.client(partnerId, options);
  }

  onContact(listener: (partnerId: string) => void): () => void {
    this.contacts.on('contact', listener);
    return () => this.contacts.off('contact', listener);
  }
}

const usable = (view: PartnerView | undefined): view is PartnerView => view?.status === 'registered' && !view.suspended;

function link(view: PartnerView): PartnerLink {
  return {
    partnerId: view.id,
    name: view.name,
    version: view.version ?? OCPI_VERSION,
    // A hub's parties are its own and those behind it: calls to them go through the hub.
    parties: [...view.roles, ...view.behind].map((role) => ({
      countryCode: role.countryCode,
      partyId: role.partyId,
      role: role.role,
    })),
    endpoint: (module, role) => view.endpoints.find((endpoint) => endpoint.identifier === module && endpoint.role === role)?.url,
  };
}

import type { PartyId } from '@roamledger/ocpi';
import type { OcpiPage, OcpiQuery } from '@roamledger/ocpi-transport';

/** The Sender interfaces we pull: module identifiers of version details, from the modules' pull offers. */
export type PullModuleId = string;

/** What pulling needs of a paginated GET: the pages, following Link rel="next" (OcpiClient.paginate). */
export interface SenderPages {
  paginate<T>(url: string, query?: OcpiQuery): AsyncIterable<OcpiPage<T>>;
}

/** A partner whose Sender interfaces we may pull. */
export interface PullPartner {
  partnerId: string;
  /** The OCPI version negotiated with it: its objects come in that version's shapes (absent: 2.2.1). */
  version?: string;
  /** Our party we call it as: the owner of a 2.1.1 object's token when its auth_id does not say. */
  ourParty?: PartyId;
  /** The parties its credentials hold: every pulled object must belong to one of them. */
  parties: PartyId[];
  /** The URL of its Sender interface for a module, when it offers one. */
  senderUrl(module: PullModuleId): string | undefined;
  /**
   * Our parties each pull asks as, one GET (and its pages) each: every one of ours through a hub,
   * whose GET All answers the objects that concern the requesting party only; otherwise one ask,
   * as `ourParty`. Absent: one ask.
   */
  askAs?: PartyId[];
  /** A client that calls the partner with the token it gave us, as `as` (one of askAs) or as ourParty. */
  client(as?: PartyId): Promise<SenderPages>;
}

/** Where pulling finds partners (the credentials module's PartnerDirectory in the hub; a fixed list in tests). */
export interface PullSource {
  /** Partners that can be pulled now (registered, not suspended). */
  list(): Promise<PullPartner[]>;
  get(partnerId: string): Promise<PullPartner | undefined>;
}

export const PULL_SOURCE = Symbol('PULL_SOURCE');

import type { Decider, DomainEvent } from '@roamledger/kernel';

/**
 * A partner's contacts with us (it authenticated on one of our OCPI routes), as facts in the log:
 * in service mode the process a partner calls is rarely the one that waits for it to be back (the
 * tokens push), and every process's partner directory follows these streams. Recorded at most
 * once per partner per interval (PartnerContactOptions), so a busy partner costs one event a minute.
 */
export const PARTNER_CONTACT_STREAM_PREFIX = 'partnercontact-';

export function partnerContactStream(partnerId: string): string {
  return `${PARTNER_CONTACT_STREAM_PREFIX}${partnerId}`;
}

export type PartnerContacted = DomainEvent<'PartnerContacted', { partner_id: string; at: string }>;

export type PartnerContactCommand = { type: 'RecordContact'; partnerId: string; at: string };

export interface PartnerContactState {
  lastContactAt?: string;
}

/** Pure: a contact is a fact, always recorded when asked (the directory decides how often to ask). */
export const partnerContactDecider: Decider<PartnerContactCommand, PartnerContacted, PartnerContactState> = {
  initialState: () => ({}),
  decide: (command) => [{ type: 'PartnerContacted', data: { partner_id: command.partnerId, at: command.at } }],
  evolve: (state, event) => (event.type === 'PartnerContacted' ? { lastContactAt: event.data.at } : state),
};

export interface PartnerContactOptions {
  /** At most one PartnerContacted per partner per this interval, across every process. */
  recordEveryMs: number;
}

export const PARTNER_CONTACT_OPTIONS = Symbol('PARTNER_CONTACT_OPTIONS');

export const DEFAULT_PARTNER_CONTACT_OPTIONS: PartnerContactOptions = { recordEveryMs: 60_000 };

import type { DomainEvent } from '@roamledger/kernel';
import type { Tariff } from '@roamledger/ocpi';

/** Which tariff an event is about, as the CPO wrote it. */
export interface TariffRef {
  country_code: string;
  party_id: string;
  tariff_id: string;
}

/**
 * A version of the tariff (the first PUT, any PUT that changed it, a PUT after a DELETE): the
 * whole object, numbered from 1. It is in force from its last_updated until the next version's,
 * or until the tariff is removed.
 */
export type TariffPublished = DomainEvent<'TariffPublished', TariffRef & { version: number; tariff: Tariff }>;

/** DELETE: gone from GET, never from history. `removed_at`: when we received the DELETE. */
export type TariffRemoved = DomainEvent<'TariffRemoved', TariffRef & { version: number; removed_at: string }>;

/** A PUT older (by last_updated) than the version we hold: kept in the log, nothing applied. */
export type StaleTariffUpdateReceived = DomainEvent<
  'StaleTariffUpdateReceived',
  TariffRef & { last_updated: string; held_last_updated: string }
>;

export type TariffEvent = TariffPublished | TariffRemoved | StaleTariffUpdateReceived;

export const TARIFF_EVENT_TYPES: ReadonlyArray<TariffEvent['type']> = [
  'TariffPublished',
  'TariffRemoved',
  'StaleTariffUpdateReceived',
];

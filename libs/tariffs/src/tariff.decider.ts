import { canonicalJson, type Decider } from '@roamledger/kernel';
import type { Tariff } from '@roamledger/ocpi';
import { type PartyId, parseOcpiDateTime } from '@roamledger/ocpi/values';
import type { TariffEvent, TariffRef } from './tariff.events';

/** One stream per tariff, every version in it. CiStrings are case-insensitive, so the name is upper-cased. */
export function tariffStream(party: PartyId, tariffId: string): string {
  return `tariff-${party.countryCode.toUpperCase()}-${party.partyId.toUpperCase()}-${tariffId.toUpperCase()}`;
}

export const TARIFF_STREAM_PREFIX = 'tariff-';

/** A DELETE of a tariff we never held. */
export class UnknownTariff extends Error {
  constructor(ref: TariffRef) {
    super(`Unknown tariff ${ref.country_code}*${ref.party_id} ${ref.tariff_id}`);
    this.name = 'UnknownTariff';
  }
}

export type TariffCommand =
  /** A full Tariff: a PUT, or one pulled from the CPO's Tariffs Sender (an older copy then leaves no trace). */
  | { type: 'PutTariff'; tariff: Tariff; pulled?: boolean }
  /** `receivedAt`: when the DELETE arrived, the end of the last version's validity. */
  | { type: 'DeleteTariff'; ref: TariffRef; receivedAt: string };

export interface TariffState {
  /** The latest version, removed or not. */
  tariff?: Tariff;
  version: number;
  removed: boolean;
}

const millis = (dateTime: string) => parseOcpiDateTime(dateTime).getTime();
const sameJson = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** The Tariff aggregate: every version kept. Pure, no I/O. */
export const tariffDecider: Decider<TariffCommand, TariffEvent, TariffState> = {
  initialState: () => ({ version: 0, removed: false }),

  decide(command, state) {
    switch (command.type) {
      case 'PutTariff': {
        const { tariff } = command;
        const ref = { country_code: tariff.country_code, party_id: tariff.party_id, tariff_id: tariff.id };
        const held = state.tariff;
        if (held && millis(tariff.last_updated) < millis(held.last_updated)) {
          if (command.pulled) return [];
          return [
            {
              type: 'StaleTariffUpdateReceived',
              data: { ...ref, last_updated: tariff.last_updated, held_last_updated: held.last_updated },
            },
          ];
        }
        // The same tariff again changes nothing; after a DELETE, only the CPO's own PUT brings it back.
        if (held && sameJson(held, tariff) && (!state.removed || command.pulled)) return [];
        return [{ type: 'TariffPublished', data: { ...ref, version: state.version + 1, tariff } }];
      }
      case 'DeleteTariff':
        if (!state.tariff) throw new UnknownTariff(command.ref);
        if (state.removed) return [];
        return [{ type: 'TariffRemoved', data: { ...command.ref, version: state.version, removed_at: command.receivedAt } }];
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'TariffPublished':
        return { tariff: event.data.tariff, version: event.data.version, removed: false };
      case 'TariffRemoved':
        return { ...state, removed: true };
      default:
        return state;
    }
  },
};

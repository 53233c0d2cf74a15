import { canonicalJson, type Decider } from '@roamledger/kernel';
import type { ClientInfo } from '@roamledger/ocpi';
import { type PartyId, parseOcpiDateTime } from '@roamledger/ocpi/values';
import type { ClientInfoEvent } from './client-info.events';

export const CLIENT_INFO_STREAM_PREFIX = 'clientinfo-';

/** One stream per party a hub reports on. */
export function clientInfoStream(party: PartyId): string {
  return `${CLIENT_INFO_STREAM_PREFIX}${party.countryCode.toUpperCase()}-${party.partyId.toUpperCase()}`;
}

export type ClientInfoCommand = { type: 'PutClientInfo'; info: ClientInfo; partnerId: string };

export interface ClientInfoState {
  info?: ClientInfo;
}

const millis = (dateTime: string) => parseOcpiDateTime(dateTime).getTime();
const CLIENT_INFO_FIELDS = new Set(['country_code', 'party_id', 'role', 'status', 'last_updated']);

/** What a ClientInfo holds beyond the spec's fields (kept on 2.3.0 routes), or undefined. */
function extraOf(info: ClientInfo): Record<string, unknown> | undefined {
  const extra = Object.entries(info).filter(([field]) => !CLIENT_INFO_FIELDS.has(field));
  return extra.length ? Object.fromEntries(extra) : undefined;
}

/** The connection status of one party behind a hub: pure, no I/O. */
export const clientInfoDecider: Decider<ClientInfoCommand, ClientInfoEvent, ClientInfoState> = {
  initialState: () => ({}),

  decide({ info, partnerId }, state) {
    const party = { country_code: info.country_code.toUpperCase(), party_id: info.party_id.toUpperCase() };
    const held = state.info;
    if (held && millis(info.last_updated) < millis(held.last_updated)) {
      return [
        {
          type: 'StaleClientInfoReceived',
          data: { ...party, last_updated: info.last_updated, held_last_updated: held.last_updated, partner_id: partnerId },
        },
      ];
    }
    const extra = extraOf(info);
    // The same report again (its instant however written, the same fields beside) is nothing new.
    if (
      held &&
      held.status === info.status &&
      held.role === info.role &&
      millis(held.last_updated) === millis(info.last_updated) &&
      canonicalJson(extraOf(held) ?? {}) === canonicalJson(extra ?? {})
    )
      return [];
    return [
      {
        type: 'ClientInfoUpdated',
        data: {
          ...party,
          role: info.role,
          status: info.status,
          ...(held ? { previous_status: held.status } : {}),
          last_updated: info.last_updated,
          partner_id: partnerId,
          ...(extra ? { extra } : {}),
        },
      },
    ];
  },

  evolve(state, event) {
    if (event.type !== 'ClientInfoUpdated') return state;
    const { country_code, party_id, role, status, last_updated, extra } = event.data;
    return { info: { ...extra, country_code, party_id, role, status, last_updated } as ClientInfo };
  },
};

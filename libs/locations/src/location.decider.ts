import { canonicalJson, type Decider } from '@roamledger/kernel';
import type { Hours } from '@roamledger/ocpi';
import { type PartyId, parseOcpiDateTime } from '@roamledger/ocpi/values';
import type {
  EvseAdded,
  LocationEvent,
  LocationFields,
  LocationPatch,
  LocationRef,
  LocationUpdated,
  OpeningTimesChanged,
  StaleLocationUpdateReceived,
} from './location.events';

/**
 * Streams: one per location (its own fields and which EVSEs it has) and one per EVSE (the EVSE,
 * its status and its connectors). An EVSE status PATCH reads and appends the EVSE's stream only,
 * so its cost does not depend on how many EVSEs the location has. A parent's last_updated is the
 * latest of its own and its children's (mod_locations PUT/PATCH), computed where the tree is read.
 * CiStrings are case-insensitive, so names are upper-cased.
 */
export function locationStream(party: PartyId, locationId: string): string {
  return `location-${party.countryCode.toUpperCase()}-${party.partyId.toUpperCase()}-${locationId.toUpperCase()}`;
}

export const LOCATION_STREAM_PREFIX = 'location-';

/** A PUT or PATCH addressed an object whose parent (or which itself, for a PATCH) we do not hold. */
export class UnknownLocationObject extends Error {
  constructor(
    readonly missing: 'location' | 'evse' | 'connector',
    message: string,
  ) {
    super(message);
    this.name = 'UnknownLocationObject';
  }
}

export type LocationCommand =
  /** A full Location (its EVSEs go to their own streams); `pulled`: an older copy leaves no trace. */
  | { type: 'PutLocation'; location: LocationFields; evseUids: string[]; pulled?: boolean }
  | { type: 'PatchLocation'; ref: LocationRef; patch: Omit<LocationPatch, 'evses'>; evseUids: string[] }
  /** An EVSE PUT under this location created the EVSE. */
  | { type: 'AddEvse'; ref: LocationRef; evseUid: string; lastUpdated: string };

export interface LocationState {
  location?: LocationFields;
  /** Its EVSEs' uids, in the order they joined. */
  evseUids: string[];
}

// Identity fields: checked against the URL by the controller, never "changed".
const IDENTITY_FIELDS = new Set(['country_code', 'party_id', 'id']);
// Fields with their own events, or held in other streams.
const OWN_EVENT_FIELDS = new Set(['opening_times', 'evses']);

export const sameJson = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);
export const millis = (dateTime: string) => parseOcpiDateTime(dateTime).getTime();
/** The later of two OCPI DateTimes. */
export const latest = (a: string, b: string) => (millis(b) > millis(a) ? b : a);
const sameId = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();

function refOf(location: LocationFields): LocationRef {
  return { country_code: location.country_code, party_id: location.party_id, location_id: location.id };
}

/** The fields of `next` that differ from `held` (absent in a PUT: null), skipping identity and `skip`. */
export function changedFields(
  held: object,
  next: object,
  options: { skip: ReadonlySet<string>; replace: boolean },
): Record<string, unknown> {
  const before = held as Record<string, unknown>;
  const after = next as Record<string, unknown>;
  const fields = options.replace ? new Set([...Object.keys(before), ...Object.keys(after)]) : new Set(Object.keys(after));
  const changes: Record<string, unknown> = {};
  for (const field of fields) {
    if (IDENTITY_FIELDS.has(field) || options.skip.has(field) || (after[field] === undefined && !options.replace)) continue;
    if (!sameJson(before[field], after[field])) changes[field] = after[field] ?? null;
  }
  return changes;
}

/** Sets (or, for null, removes) the changed fields. */
export function applyChanges<T extends object>(object: T, changes: Record<string, unknown>): T {
  const next = { ...object } as Record<string, unknown>;
  for (const [field, value] of Object.entries(changes)) {
    if (value === null) delete next[field];
    else next[field] = value;
  }
  return next as T;
}

/** The Location aggregate (its own fields and its EVSE list): pure, no I/O. */
export const locationDecider: Decider<LocationCommand, LocationEvent, LocationState> = {
  initialState: () => ({ evseUids: [] }),

  decide(command, state) {
    switch (command.type) {
      case 'PutLocation': {
        const ref = refOf(command.location);
        if (!state.location) {
          return [
            { type: 'LocationPublished', data: { ...ref, location: command.location } },
            ...added(ref, state, command.evseUids, command.location.last_updated),
          ];
        }
        if (millis(command.location.last_updated) < millis(state.location.last_updated)) {
          return command.pulled ? [] : [stale(ref, 'PUT', command.location.last_updated, state.location.last_updated)];
        }
        return [
          ...updates(ref, state.location, command.location, true),
          ...added(ref, state, command.evseUids, command.location.last_updated),
        ];
      }
      case 'PatchLocation': {
        const { ref, patch } = command;
        if (!state.location) {
          throw new UnknownLocationObject('location', `Unknown location ${ref.country_code}*${ref.party_id} ${ref.location_id}`);
        }
        if (millis(patch.last_updated) < millis(state.location.last_updated)) {
          return [stale(ref, 'PATCH', patch.last_updated, state.location.last_updated)];
        }
        return [...updates(ref, state.location, patch, false), ...added(ref, state, command.evseUids, patch.last_updated)];
      }
      case 'AddEvse':
        if (!state.location) {
          throw new UnknownLocationObject(
            'location',
            `Unknown location ${command.ref.country_code}*${command.ref.party_id} ${command.ref.location_id}`,
          );
        }
        return added(command.ref, state, [command.evseUid], command.lastUpdated);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'LocationPublished':
        return { ...state, location: event.data.location };
      case 'LocationUpdated':
        return state.location ? { ...state, location: applyChanges(state.location, event.data.changes) } : state;
      case 'OpeningTimesChanged':
        return state.location
          ? {
              ...state,
              location: applyChanges(state.location, { opening_times: event.data.to, last_updated: event.data.last_updated }),
            }
          : state;
      case 'EvseAdded':
        return { ...state, evseUids: [...state.evseUids, event.data.evse_uid] };
      default:
        return state;
    }
  },
};

function updates(ref: LocationRef, held: LocationFields, next: Partial<LocationFields>, replace: boolean): LocationEvent[] {
  const events: LocationEvent[] = [];
  const changes = changedFields(held, next, { skip: OWN_EVENT_FIELDS, replace });
  const lastUpdated = next.last_updated as string;
  if (Object.keys(changes).length > 0) {
    events.push({ type: 'LocationUpdated', data: { ...ref, changes, last_updated: lastUpdated } } satisfies LocationUpdated);
  }
  const hours = replace ? (next.opening_times ?? null) : next.opening_times;
  if (hours !== undefined && !sameJson(held.opening_times, hours)) {
    events.push({
      type: 'OpeningTimesChanged',
      data: { ...ref, from: (held.opening_times as Hours | undefined) ?? null, to: hours, last_updated: lastUpdated },
    } satisfies OpeningTimesChanged);
  }
  return events;
}

function added(ref: LocationRef, state: LocationState, uids: string[], lastUpdated: string): EvseAdded[] {
  const known = [...state.evseUids];
  const events: EvseAdded[] = [];
  for (const uid of uids) {
    if (known.some((held) => sameId(held, uid))) continue;
    known.push(uid);
    events.push({ type: 'EvseAdded', data: { ...ref, evse_uid: uid, last_updated: lastUpdated } });
  }
  return events;
}

export function stale(
  ref: LocationRef,
  method: 'PUT' | 'PATCH',
  lastUpdated: string,
  held: string,
  at: { evse_uid?: string; connector_id?: string } = {},
): StaleLocationUpdateReceived {
  const level = at.connector_id !== undefined ? 'connector' : at.evse_uid !== undefined ? 'evse' : 'location';
  return {
    type: 'StaleLocationUpdateReceived',
    data: { ...ref, level, method, ...at, last_updated: lastUpdated, held_last_updated: held },
  };
}

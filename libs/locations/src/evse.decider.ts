import type { Decider } from '@roamledger/kernel';
import type { Connector, EVSE } from '@roamledger/ocpi';
import type { PartyId } from '@roamledger/ocpi/values';
import { applyChanges, changedFields, latest, millis, sameJson, stale, UnknownLocationObject } from './location.decider';
import type { ConnectorPatch, EvseEvent, EvsePatch, EvseRef } from './location.events';

/** One stream per EVSE (see locationStream): `evse-<cc>-<pid>-<location id>-<evse uid>`. */
export function evseStream(party: PartyId, locationId: string, evseUid: string): string {
  return `evse-${party.countryCode.toUpperCase()}-${party.partyId.toUpperCase()}-${locationId.toUpperCase()}-${evseUid.toUpperCase()}`;
}

export const EVSE_STREAM_PREFIX = 'evse-';

export type EvseCommand =
  /** A full EVSE; `locationKnown`: whether its location exists (read by the caller from the location's stream). */
  | { type: 'PutEvse'; ref: EvseRef; evse: EVSE; locationKnown: boolean; pulled?: boolean }
  | { type: 'PatchEvse'; ref: EvseRef; patch: EvsePatch }
  | { type: 'PutConnector'; ref: EvseRef; connector: Connector }
  | { type: 'PatchConnector'; ref: EvseRef; connectorId: string; patch: ConnectorPatch };

export interface EvseState {
  /** The EVSE as answered: its last_updated is the latest of its own and its connectors'. */
  evse?: EVSE;
  /** The last_updated of the last EVSE-level update applied: what an EVSE PATCH is judged stale against. */
  ownLastUpdated?: string;
}

const EVSE_OWN_EVENT_FIELDS = new Set(['status', 'connectors', 'last_updated']);
const CONNECTOR_OWN_EVENT_FIELDS = new Set(['tariff_ids', 'last_updated']);
const sameId = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();
const EVSE_CHANGES: ReadonlySet<string> = new Set<EvseEvent['type']>([
  'EvseUpdated',
  'EvseStatusChanged',
  'ConnectorAdded',
  'ConnectorUpdated',
  'ConnectorTariffsChanged',
  'ConnectorRemoved',
]);

function describe(ref: EvseRef): string {
  return `${ref.country_code}*${ref.party_id} ${ref.location_id}/${ref.evse_uid}`;
}

/** One EVSE and its connectors: pure, no I/O. */
export const evseDecider: Decider<EvseCommand, EvseEvent, EvseState> = {
  initialState: () => ({}),

  decide(command, state) {
    const { ref } = command;
    switch (command.type) {
      case 'PutEvse': {
        if (!command.locationKnown) {
          throw new UnknownLocationObject(
            'location',
            `Unknown location ${ref.country_code}*${ref.party_id} ${ref.location_id}: PUT the Location before its EVSEs`,
          );
        }
        if (!state.evse) return [{ type: 'EvsePublished', data: { ...ref, evse: command.evse } }];
        // A PUT holds everything: older than anything we hold of this EVSE, it is stale.
        if (millis(command.evse.last_updated) < millis(state.evse.last_updated)) {
          return command.pulled ? [] : [stale(ref, 'PUT', command.evse.last_updated, state.evse.last_updated, at(ref))];
        }
        return [...evseUpdates(ref, state.evse, command.evse, true), ...connectorList(ref, state.evse, command.evse)];
      }
      case 'PatchEvse': {
        const held = known(state, ref);
        const own = state.ownLastUpdated ?? held.last_updated;
        if (millis(command.patch.last_updated) < millis(own)) {
          return [stale(ref, 'PATCH', command.patch.last_updated, own, at(ref))];
        }
        const events = evseUpdates(ref, held, command.patch, false);
        // A PATCH cannot remove: the connectors it lists are added or replaced (as a connector PUT
        // would: one older than ours is kept as stale), the others stay.
        const connectors = putEach(held, command.patch.connectors ?? [], (current, connector) =>
          putConnectorUnlessStale(ref, current, connector, 'PATCH'),
        );
        return [...events, ...connectors];
      }
      case 'PutConnector':
        return putConnectorUnlessStale(ref, known(state, ref, 'connector'), command.connector, 'PUT');
      case 'PatchConnector': {
        const held = known(state, ref, 'connector');
        const connector = held.connectors.find((c) => sameId(c.id, command.connectorId));
        if (!connector) {
          throw new UnknownLocationObject('connector', `Unknown connector ${describe(ref)}/${command.connectorId}`);
        }
        if (millis(command.patch.last_updated) < millis(connector.last_updated)) {
          return [stale(ref, 'PATCH', command.patch.last_updated, connector.last_updated, at(ref, connector.id))];
        }
        return connectorUpdates(ref, connector, command.patch, false);
      }
    }
  },

  evolve(state, event) {
    const evse = state.evse;
    switch (event.type) {
      case 'EvsePublished':
        return { evse: event.data.evse, ownLastUpdated: event.data.evse.last_updated };
      case 'StaleLocationUpdateReceived':
        return state;
    }
    // Events of other types (the recorded request that caused them) leave the state as it is.
    if (!evse || !EVSE_CHANGES.has(event.type)) return state;
    const lastUpdated = latest(evse.last_updated, event.data.last_updated);
    switch (event.type) {
      case 'EvseUpdated': {
        const ownLastUpdated = event.data.changes.last_updated === undefined ? state.ownLastUpdated : event.data.last_updated;
        return { evse: { ...applyChanges(evse, event.data.changes), last_updated: lastUpdated }, ownLastUpdated };
      }
      case 'EvseStatusChanged':
        return {
          evse: { ...evse, status: event.data.to, last_updated: lastUpdated },
          ownLastUpdated: latest(state.ownLastUpdated ?? evse.last_updated, event.data.last_updated),
        };
      case 'ConnectorAdded':
        return { ...state, evse: { ...evse, connectors: [...evse.connectors, event.data.connector], last_updated: lastUpdated } };
      case 'ConnectorUpdated':
      case 'ConnectorTariffsChanged': {
        const changes =
          event.type === 'ConnectorUpdated' ? event.data.changes : { tariff_ids: event.data.to.length ? event.data.to : null };
        const connectors = evse.connectors.map((c) =>
          sameId(c.id, event.data.connector_id)
            ? { ...applyChanges(c, changes), last_updated: latest(c.last_updated, event.data.last_updated) }
            : c,
        );
        return { ...state, evse: { ...evse, connectors, last_updated: lastUpdated } };
      }
      case 'ConnectorRemoved':
        return {
          ...state,
          evse: {
            ...evse,
            connectors: evse.connectors.filter((c) => !sameId(c.id, event.data.connector_id)),
            last_updated: lastUpdated,
          },
        };
    }
  },
};

function at(ref: EvseRef, connectorId?: string) {
  return { evse_uid: ref.evse_uid, ...(connectorId !== undefined ? { connector_id: connectorId } : {}) };
}

function known(state: EvseState, ref: EvseRef, addressing: 'evse' | 'connector' = 'evse'): EVSE {
  if (!state.evse) {
    throw new UnknownLocationObject(
      'evse',
      `Unknown EVSE ${describe(ref)}${addressing === 'connector' ? ': PUT the EVSE before its connectors' : ''}`,
    );
  }
  return state.evse;
}

function fold(evse: EVSE, events: EvseEvent[]): EVSE {
  let state: EvseState = { evse };
  for (const event of events) state = evseDecider.evolve(state, event);
  return state.evse as EVSE;
}

function evseUpdates(ref: EvseRef, held: EVSE, next: Partial<EVSE> & { last_updated: string }, replace: boolean): EvseEvent[] {
  const events: EvseEvent[] = [];
  const changes = changedFields(held, next, { skip: EVSE_OWN_EVENT_FIELDS, replace });
  if (!sameJson(held.last_updated, next.last_updated)) changes.last_updated = next.last_updated;
  if (next.status !== undefined && next.status !== held.status) {
    events.push({
      type: 'EvseStatusChanged',
      data: { ...ref, from: held.status, to: next.status, last_updated: next.last_updated },
    });
    delete changes.last_updated;
  }
  if (Object.keys(changes).length > 0) {
    events.unshift({ type: 'EvseUpdated', data: { ...ref, changes, last_updated: next.last_updated } });
  }
  return events;
}

/** An EVSE PUT: its connectors replace ours (added, changed, removed). */
function connectorList(ref: EvseRef, held: EVSE, next: EVSE): EvseEvent[] {
  const events = putEach(held, next.connectors, (current, connector) => putConnector(ref, current, connector));
  for (const connector of held.connectors) {
    if (!next.connectors.some((c) => sameId(c.id, connector.id))) {
      events.push({ type: 'ConnectorRemoved', data: { ...ref, connector_id: connector.id, last_updated: next.last_updated } });
    }
  }
  return events;
}

/** Each connector in turn, on the EVSE as the ones before it left it: an id listed twice is added once, then updated. */
function putEach(held: EVSE, connectors: Connector[], put: (current: EVSE, connector: Connector) => EvseEvent[]): EvseEvent[] {
  const events: EvseEvent[] = [];
  let current = held;
  for (const connector of connectors) {
    const decided = put(current, connector);
    events.push(...decided);
    current = fold(current, decided);
  }
  return events;
}

/** A connector sent whole: older than the one we hold, it is kept as stale and not applied. */
function putConnectorUnlessStale(ref: EvseRef, held: EVSE, connector: Connector, method: 'PUT' | 'PATCH'): EvseEvent[] {
  const ours = held.connectors.find((c) => sameId(c.id, connector.id));
  if (ours && millis(connector.last_updated) < millis(ours.last_updated)) {
    return [stale(ref, method, connector.last_updated, ours.last_updated, at(ref, ours.id))];
  }
  return putConnector(ref, held, connector);
}

function putConnector(ref: EvseRef, held: EVSE, connector: Connector): EvseEvent[] {
  const existing = held.connectors.find((c) => sameId(c.id, connector.id));
  if (!existing) {
    return [
      { type: 'ConnectorAdded', data: { ...ref, connector_id: connector.id, connector, last_updated: connector.last_updated } },
    ];
  }
  return connectorUpdates(ref, existing, connector, true);
}

function connectorUpdates(ref: EvseRef, held: Connector, next: Partial<Connector> & { last_updated: string }, replace: boolean) {
  const events: EvseEvent[] = [];
  const data = { ...ref, connector_id: held.id, last_updated: next.last_updated };
  const changes = changedFields(held, next, { skip: CONNECTOR_OWN_EVENT_FIELDS, replace });
  const tariffs = replace ? (next.tariff_ids ?? []) : next.tariff_ids;
  const tariffsChanged = tariffs !== undefined && !sameJson(held.tariff_ids ?? [], tariffs);
  if (!tariffsChanged && !sameJson(held.last_updated, next.last_updated)) changes.last_updated = next.last_updated;
  if (Object.keys(changes).length > 0) events.push({ type: 'ConnectorUpdated', data: { ...data, changes } });
  if (tariffsChanged) {
    events.push({ type: 'ConnectorTariffsChanged', data: { ...data, from: held.tariff_ids ?? [], to: tariffs ?? [] } });
  }
  return events;
}

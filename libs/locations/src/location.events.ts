import type { DomainEvent } from '@roamledger/kernel';
import type { Connector, EVSE, Hours, Location, Status } from '@roamledger/ocpi';

/** A Location as its own stream holds it: the location's fields; EVSEs live in their own streams. */
export type LocationFields = Omit<Location, 'evses'>;

/** A PATCH body of one level of the tree: any of its fields, last_updated always. */
export type LocationPatch = Partial<Location> & { last_updated: string };
export type EvsePatch = Partial<EVSE> & { last_updated: string };
export type ConnectorPatch = Partial<Connector> & { last_updated: string };

/** Which location an event is about, as the CPO wrote it. */
export interface LocationRef {
  country_code: string;
  party_id: string;
  location_id: string;
}

export interface EvseRef extends LocationRef {
  evse_uid: string;
}

/** The first Location we hold (a PUT, or a pulled Location), without its EVSEs. */
export type LocationPublished = DomainEvent<'LocationPublished', LocationRef & { location: LocationFields }>;

/**
 * Location fields whose value changed, with their new value (`null`: removed by a PUT without it).
 * Holds last_updated whenever that moved. Opening times have their own event.
 */
export type LocationUpdated = DomainEvent<
  'LocationUpdated',
  LocationRef & { changes: Record<string, unknown>; last_updated: string }
>;

export type OpeningTimesChanged = DomainEvent<
  'OpeningTimesChanged',
  LocationRef & { from: Hours | null; to: Hours | null; last_updated: string }
>;

/** An EVSE joined the location's tree (EVSEs are never deleted: REMOVED is a status). */
export type EvseAdded = DomainEvent<'EvseAdded', LocationRef & { evse_uid: string; last_updated: string }>;

/** The first EVSE we hold under a location, with its connectors. */
export type EvsePublished = DomainEvent<'EvsePublished', EvseRef & { evse: EVSE }>;

/** EVSE fields (not status or connectors) whose value changed; holds last_updated whenever that moved. */
export type EvseUpdated = DomainEvent<'EvseUpdated', EvseRef & { changes: Record<string, unknown>; last_updated: string }>;

/** The busiest event of roaming: an EVSE's status, REMOVED included (the EVSE stays, with its history). */
export type EvseStatusChanged = DomainEvent<'EvseStatusChanged', EvseRef & { from: Status; to: Status; last_updated: string }>;

export type ConnectorAdded = DomainEvent<
  'ConnectorAdded',
  EvseRef & { connector_id: string; connector: Connector; last_updated: string }
>;

/** Connector fields (not tariff_ids) whose value changed. */
export type ConnectorUpdated = DomainEvent<
  'ConnectorUpdated',
  EvseRef & { connector_id: string; changes: Record<string, unknown>; last_updated: string }
>;

export type ConnectorTariffsChanged = DomainEvent<
  'ConnectorTariffsChanged',
  EvseRef & { connector_id: string; from: string[]; to: string[]; last_updated: string }
>;

/** A PUT of the EVSE no longer lists the connector. */
export type ConnectorRemoved = DomainEvent<'ConnectorRemoved', EvseRef & { connector_id: string; last_updated: string }>;

/** An update older (by last_updated) than what we hold at its level: kept in the log, nothing applied. */
export type StaleLocationUpdateReceived = DomainEvent<
  'StaleLocationUpdateReceived',
  LocationRef & {
    level: 'location' | 'evse' | 'connector';
    method: 'PUT' | 'PATCH';
    evse_uid?: string;
    connector_id?: string;
    last_updated: string;
    held_last_updated: string;
  }
>;

/** Events of a location's own stream. */
export type LocationEvent = LocationPublished | LocationUpdated | OpeningTimesChanged | EvseAdded | StaleLocationUpdateReceived;

/** Events of an EVSE's stream (the EVSE and its connectors). */
export type EvseEvent =
  | EvsePublished
  | EvseUpdated
  | EvseStatusChanged
  | ConnectorAdded
  | ConnectorUpdated
  | ConnectorTariffsChanged
  | ConnectorRemoved
  | StaleLocationUpdateReceived;

export const LOCATION_EVENT_TYPES: ReadonlyArray<LocationEvent['type'] | EvseEvent['type']> = [
  'LocationPublished',
  'LocationUpdated',
  'OpeningTimesChanged',
  'EvseAdded',
  'EvsePublished',
  'EvseUpdated',
  'EvseStatusChanged',
  'ConnectorAdded',
  'ConnectorUpdated',
  'ConnectorTariffsChanged',
  'ConnectorRemoved',
  'StaleLocationUpdateReceived',
];

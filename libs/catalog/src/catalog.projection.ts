import type { RecordedEvent } from '@roamledger/event-store';
import type { EvseEvent, LocationEvent } from '@roamledger/locations';
import { applyChanges, LOCATION_EVENT_TYPES, latest } from '@roamledger/locations';
import type { Connector, EVSE } from '@roamledger/ocpi';
import {
  loadRowSets,
  type Projection,
  type ProjectionContext,
  type Row,
  SqlParams,
  upsertSql,
  writeAll,
} from '@roamledger/projections';
import { TARIFF_EVENT_TYPES, type TariffEvent } from '@roamledger/tariffs';
import {
  CATALOG_EVSE_STATUS,
  CATALOG_EVSES,
  CATALOG_LOCATIONS,
  CATALOG_TARIFF_VERSIONS,
  type EvseRow,
  type LocationRow,
  type TariffVersionRow,
} from './catalog.tables';

export const CATALOG_PROJECTION = 'catalog';

type CatalogEvent = RecordedEvent & (LocationEvent | EvseEvent | TariffEvent);

const key = (...parts: string[]) => parts.map((part) => part.toUpperCase()).join('\u0000');
const upper = (text: string) => text.toUpperCase();
const utc = (dateTime: string) => new Date(dateTime).toISOString();

/** The most power a connector delivers, in W: max_electric_power, else volts x amps (x3 on three phases). */
export function connectorPowerW(connector: Connector): number {
  if (connector.max_electric_power !== undefined) return connector.max_electric_power;
  const phases = connector.power_type === 'AC_3_PHASE' ? 3 : 1;
  return connector.max_voltage * connector.max_amperage * phases;
}

/**
 * The catalog: the current location tree (locations, EVSEs with their connectors, status,
 * coordinates, time zone, tariff ids), every EVSE status with when it changed, and every tariff
 * version with its validity interval. Rebuilt from the log alone. Version 2: a location's time zone
 * may be null (a 2.1.1 CPO need not give one).
 */
export function catalogProjection(): Projection {
  return {
    name: CATALOG_PROJECTION,
    version: 2,
    tables: [CATALOG_LOCATIONS, CATALOG_EVSES, CATALOG_EVSE_STATUS, CATALOG_TARIFF_VERSIONS],
    filter: {
      eventTypes: [...LOCATION_EVENT_TYPES.filter((type) => type !== 'StaleLocationUpdateReceived'), ...TARIFF_EVENT_TYPES],
    },
    apply: (events, context) => new CatalogBatch(context).apply(events as CatalogEvent[]),
  };
}

/** One batch as load, fold, store: every row it touches read in one statement, written in one. */
class CatalogBatch {
  private readonly locations = new Map<string, LocationRow>();
  private readonly evses = new Map<string, EvseRow>();
  private readonly tariffs = new Map<string, TariffVersionRow[]>();
  private readonly dirty = { locations: new Set<string>(), evses: new Set<string>(), tariffs: new Set<string>() };
  private readonly statuses: Row[] = [];

  constructor(private readonly context: ProjectionContext) {}

  async apply(events: readonly CatalogEvent[]): Promise<void> {
    await this.load(events);
    for (const event of events) {
      // One bad event never stops the projection: it is skipped, the rest applies.
      try {
        this.fold(event);
      } catch {}
    }
    await this.store();
  }

  private async load(events: readonly CatalogEvent[]): Promise<void> {
    const locationKeys: Row[] = [];
    const evseKeys: Row[] = [];
    const evseOfLocation: Row[] = [];
    const tariffKeys: Row[] = [];
    for (const event of events) {
      const data = event.data as {
        country_code: string;
        party_id: string;
        location_id?: string;
        evse_uid?: string;
        tariff_id?: string;
      };
      const party = { country_code: upper(data.country_code), party_id: upper(data.party_id) };
      if (data.tariff_id !== undefined) {
        tariffKeys.push({ ...party, tariff_key: upper(data.tariff_id) });
        continue;
      }
      const location_key = upper(data.location_id as string);
      locationKeys.push({ ...party, location_key });
      if (data.evse_uid !== undefined) evseKeys.push({ ...party, location_key, evse_key: upper(data.evse_uid) });
      // A location's own events recompute its tree's last_updated: every EVSE of it is read.
      if (data.evse_uid === undefined || event.type === 'EvseAdded') evseOfLocation.push({ ...party, location_key });
    }
    const [locations, evses, tariffs] = await loadRowSets(this.context.db, [
      { table: CATALOG_LOCATIONS, physical: this.context.table(CATALOG_LOCATIONS.name), lookups: [{ keys: locationKeys }] },
      {
        table: CATALOG_EVSES,
        physical: this.context.table(CATALOG_EVSES.name),
        lookups: [{ keys: evseKeys }, { keys: evseOfLocation, by: ['location_key', 'country_code', 'party_id'] }],
      },
      {
        table: CATALOG_TARIFF_VERSIONS,
        physical: this.context.table(CATALOG_TARIFF_VERSIONS.name),
        lookups: [{ keys: tariffKeys, by: ['tariff_key', 'country_code', 'party_id'] }],
      },
    ]);
    for (const row of locations as LocationRow[]) this.locations.set(key(row.country_code, row.party_id, row.location_key), row);
    for (const row of evses as EvseRow[])
      this.evses.set(key(row.country_code, row.party_id, row.location_key, row.evse_key), row);
    for (const row of tariffs as TariffVersionRow[]) {
      const rowKey = key(row.country_code, row.party_id, row.tariff_key);
      const versions = this.tariffs.get(rowKey) ?? [];
      if (!versions.some((v) => v.version === row.version)) versions.push(row);
      this.tariffs.set(
        rowKey,
        versions.sort((a, b) => a.version - b.version),
      );
    }
  }

  private fold(event: CatalogEvent): void {
    switch (event.type) {
      case 'TariffPublished':
      case 'TariffRemoved':
        this.tariff(event);
        break;
      case 'LocationPublished':
      case 'LocationUpdated':
      case 'OpeningTimesChanged':
      case 'EvseAdded':
        this.location(event);
        break;
      case 'StaleLocationUpdateReceived':
      case 'StaleTariffUpdateReceived':
        break;
      default:
        this.evse(event);
    }
  }

  private location(event: CatalogEvent & LocationEvent): void {
    const { data } = event;
    const rowKey = key(data.country_code, data.party_id, data.location_id);
    if (event.type === 'LocationPublished') {
      const existing = this.locations.get(rowKey);
      const row = locationRow(event, event.data.location, existing?.evse_keys ?? []);
      this.locations.set(rowKey, row);
      this.touchLocation(row, event, existing?.last_updated);
      return;
    }
    const row = this.locations.get(rowKey);
    if (!row) return;
    const fields = JSON.parse(row.location);
    if (event.type === 'LocationUpdated')
      Object.assign(row, locationRow(event, applyChanges(fields, event.data.changes), row.evse_keys));
    else if (event.type === 'OpeningTimesChanged') {
      Object.assign(row, locationRow(event, applyChanges(fields, { opening_times: event.data.to }), row.evse_keys));
    } else if (event.type === 'EvseAdded') {
      const evseKey = upper(event.data.evse_uid);
      if (!row.evse_keys.includes(evseKey)) row.evse_keys = [...row.evse_keys, evseKey];
      const evse = this.evses.get(key(row.country_code, row.party_id, row.location_key, evseKey));
      if (evse) row.last_updated = later(row.last_updated, evse.last_updated);
    }
    this.touchLocation(row, event, event.data.last_updated);
  }

  /**
   * The location's last_updated is the latest of its own and its EVSEs'. A location's own event
   * recomputes it over every EVSE (all were loaded); an EVSE's event only adds that EVSE's, as the
   * others' are in it already: a status PATCH must not cost more at a location with 200 EVSEs.
   */
  private touchLocation(
    row: LocationRow,
    event: RecordedEvent,
    lastUpdated: string | undefined,
    evseKeys: readonly string[] = row.evse_keys,
  ): void {
    if (lastUpdated) row.last_updated = later(row.last_updated, utc(lastUpdated));
    for (const evseKey of evseKeys) {
      const evse = this.evses.get(key(row.country_code, row.party_id, row.location_key, evseKey));
      if (evse) row.last_updated = later(row.last_updated, evse.last_updated);
    }
    row.position = String(event.position);
    this.dirty.locations.add(key(row.country_code, row.party_id, row.location_key));
  }

  private evse(event: CatalogEvent & EvseEvent): void {
    const { data } = event;
    if (!('evse_uid' in data) || data.evse_uid === undefined) return;
    const party = { country_code: upper(data.country_code), party_id: upper(data.party_id) };
    const location_key = upper(data.location_id);
    const evse_key = upper(data.evse_uid);
    const rowKey = key(party.country_code, party.party_id, location_key, evse_key);
    const held = this.evses.get(rowKey);
    let evse: EVSE;
    if (event.type === 'EvsePublished') evse = event.data.evse;
    else if (!held) return;
    else evse = evolveEvse(JSON.parse(held.evse), event);
    const row = evseRow(party, location_key, evse_key, evse, event);
    this.evses.set(rowKey, row);
    this.dirty.evses.add(rowKey);
    if (event.type === 'EvsePublished' || event.type === 'EvseStatusChanged') {
      this.statuses.push({
        ...party,
        location_key,
        evse_key,
        position: String(event.position),
        status: evse.status,
        from_status: event.type === 'EvseStatusChanged' ? event.data.from : (held?.status ?? null),
        changed_at: utc(evse.last_updated),
        recorded_at: event.recordedAt,
      });
    }
    const location = this.locations.get(key(party.country_code, party.party_id, location_key));
    if (location?.evse_keys.includes(evse_key)) this.touchLocation(location, event, undefined, [evse_key]);
  }

  private tariff(event: CatalogEvent & TariffEvent): void {
    const { data } = event;
    const rowKey = key(data.country_code, data.party_id, data.tariff_id);
    const versions = this.tariffs.get(rowKey) ?? [];
    const current = versions.at(-1);
    if (event.type === 'TariffPublished') {
      const validFrom = utc(event.data.tariff.last_updated);
      // Versions are in last_updated order (older PUTs are stale); an interval never ends before it starts.
      // After a DELETE, a version PUT again is in force from the later of its last_updated and the DELETE.
      const from = current ? later(current.valid_to ?? current.valid_from, validFrom) : validFrom;
      if (current && current.valid_to === null) current.valid_to = from;
      versions.push({
        country_code: upper(data.country_code),
        party_id: upper(data.party_id),
        tariff_key: upper(data.tariff_id),
        version: event.data.version,
        tariff_id: data.tariff_id,
        currency: event.data.tariff.currency,
        tariff: JSON.stringify(event.data.tariff),
        valid_from: from,
        valid_to: null,
        removed_at: null,
        position: String(event.position),
      });
    } else if (event.type === 'TariffRemoved' && current) {
      current.removed_at = utc(event.data.removed_at);
      current.valid_to = later(current.valid_from, utc(event.data.removed_at));
      current.position = String(event.position);
    }
    this.tariffs.set(rowKey, versions);
    this.dirty.tariffs.add(rowKey);
  }

  private async store(): Promise<void> {
    const params = new SqlParams();
    const table = (name: string) => this.context.table(name);
    const locations = [...this.dirty.locations].map((k) => this.locations.get(k) as Row);
    const evses = [...this.dirty.evses].map((k) => this.evses.get(k) as Row);
    const tariffs = [...this.dirty.tariffs].flatMap((k) => this.tariffs.get(k) ?? []);
    await writeAll(this.context.db, params, [
      upsertSql(CATALOG_LOCATIONS, table(CATALOG_LOCATIONS.name), params, locations),
      upsertSql(CATALOG_EVSES, table(CATALOG_EVSES.name), params, evses),
      upsertSql(CATALOG_EVSE_STATUS, table(CATALOG_EVSE_STATUS.name), params, this.statuses),
      upsertSql(CATALOG_TARIFF_VERSIONS, table(CATALOG_TARIFF_VERSIONS.name), params, tariffs),
    ]);
  }
}

/** Times as the tables hand them back: ISO 8601 UTC with milliseconds. */
function later(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? new Date(b).toISOString() : new Date(a).toISOString();
}

function locationRow(event: RecordedEvent, fields: Record<string, unknown>, evseKeys: string[]): LocationRow {
  const location = fields as { country_code: string; party_id: string; id: string; name?: string; city: string; country: string };
  const coordinates = fields.coordinates as { latitude: string; longitude: string };
  return {
    country_code: upper(location.country_code),
    party_id: upper(location.party_id),
    location_key: upper(location.id),
    location_id: location.id,
    name: location.name ?? null,
    city: location.city,
    country: location.country,
    latitude: coordinates.latitude,
    longitude: coordinates.longitude,
    time_zone: (fields.time_zone as string | undefined) ?? null,
    publish: fields.publish as boolean,
    location: JSON.stringify(fields),
    evse_keys: evseKeys,
    last_updated: utc(fields.last_updated as string),
    position: String(event.position),
  };
}

function evseRow(
  party: { country_code: string; party_id: string },
  location_key: string,
  evse_key: string,
  evse: EVSE,
  event: RecordedEvent,
): EvseRow {
  return {
    ...party,
    location_key,
    evse_key,
    status: evse.status,
    evse: JSON.stringify(evse),
    standards: [...new Set(evse.connectors.map((c) => c.standard))].sort(),
    max_power_w: String(Math.max(0, ...evse.connectors.map(connectorPowerW))),
    tariff_ids: [...new Set(evse.connectors.flatMap((c) => c.tariff_ids ?? []))].sort(),
    last_updated: utc(evse.last_updated),
    position: String(event.position),
  };
}

const sameId = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();

/** The EVSE after one of its events: the same rules as the EVSE decider's evolve. */
function evolveEvse(evse: EVSE, event: EvseEvent): EVSE {
  if (event.type === 'EvsePublished' || event.type === 'StaleLocationUpdateReceived') return evse;
  const lastUpdated = latest(evse.last_updated, event.data.last_updated);
  switch (event.type) {
    case 'EvseUpdated':
      return { ...applyChanges(evse, event.data.changes), last_updated: lastUpdated };
    case 'EvseStatusChanged':
      return { ...evse, status: event.data.to, last_updated: lastUpdated };
    case 'ConnectorAdded':
      return { ...evse, connectors: [...evse.connectors, event.data.connector], last_updated: lastUpdated };
    case 'ConnectorRemoved':
      return {
        ...evse,
        connectors: evse.connectors.filter((c) => !sameId(c.id, event.data.connector_id)),
        last_updated: lastUpdated,
      };
    case 'ConnectorUpdated':
    case 'ConnectorTariffsChanged': {
      const changes =
        event.type === 'ConnectorUpdated' ? event.data.changes : { tariff_ids: event.data.to.length ? event.data.to : null };
      const connectors = evse.connectors.map((c) =>
        sameId(c.id, event.data.connector_id)
          ? { ...applyChanges(c, changes), last_updated: latest(c.last_updated, event.data.last_updated) }
          : c,
      );
      return { ...evse, connectors, last_updated: lastUpdated };
    }
  }
}

import type { SqlClient } from '@roamledger/event-store';
import type { EVSE, Location } from '@roamledger/ocpi';
import { projectionPosition, type Row, type SqlQuery, selectList } from '@roamledger/projections';
import { CATALOG_PROJECTION } from './catalog.projection';
import {
  CATALOG_EVSE_STATUS,
  CATALOG_EVSES,
  CATALOG_LOCATIONS,
  CATALOG_TARIFF_VERSIONS,
  type EvseRow,
  type LocationRow,
} from './catalog.tables';

export interface LocationFilter {
  country_code?: string;
  party_id?: string;
  /** ISO 3166-1 alpha-3, as Location.country. */
  country?: string;
  city?: string;
  bbox?: { minLon: number; minLat: number; maxLon: number; maxLat: number };
  near?: { lat: number; lon: number; radiusM: number };
  /** The location has an EVSE matching all of these together. */
  evseStatus?: string;
  connectorStandard?: string;
  minPowerW?: number;
}

export type PageKey = string[];

export interface Snapshot<T> {
  result: T;
  /** The catalog projection's position the rows were read at (same snapshot). */
  position: number;
}

const LOCATION_ORDER = ['country_code', 'party_id', 'location_key'];
const EARTH_RADIUS_M = 6_371_000;

/** A location's tree as we hold it: its EVSEs in the order they joined, last_updated the tree's latest. */
export function composeLocation(row: LocationRow, evses: EvseRow[]): Location {
  const fields = JSON.parse(row.location) as Location;
  const byKey = new Map(evses.map((evse) => [evse.evse_key, JSON.parse(evse.evse) as EVSE]));
  const tree = row.evse_keys.flatMap((evseKey) => byKey.get(evseKey) ?? []);
  const lastUpdated = tree.reduce(
    (at, evse) => (Date.parse(evse.last_updated) > Date.parse(at) ? evse.last_updated : at),
    fields.last_updated,
  );
  return { ...fields, ...(tree.length ? { evses: tree } : {}), last_updated: lastUpdated };
}

/** Reads of the catalog tables (their views), each with the position it was read at. */
export class CatalogReadModel {
  constructor(private readonly db: SqlClient) {}

  async snapshot<T>(work: (tx: SqlQuery) => Promise<T>): Promise<Snapshot<T>> {
    return this.db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const position = await projectionPosition(tx, CATALOG_PROJECTION);
      return { result: await work(tx), position };
    });
  }

  async locationPage(filter: LocationFilter, after: PageKey | undefined, limit: number) {
    return this.snapshot(async (tx) => {
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (filter.country_code) where.push(`t.country_code = ${param(filter.country_code.toUpperCase())}`);
      if (filter.party_id) where.push(`t.party_id = ${param(filter.party_id.toUpperCase())}`);
      if (filter.country) where.push(`upper(t.country) = ${param(filter.country.toUpperCase())}`);
      if (filter.city) where.push(`lower(t.city) = ${param(filter.city.toLowerCase())}`);
      if (filter.bbox) {
        const { minLat, maxLat, minLon, maxLon } = filter.bbox;
        where.push(`t.latitude BETWEEN ${param(minLat)}::numeric AND ${param(maxLat)}::numeric`);
        where.push(`t.longitude BETWEEN ${param(minLon)}::numeric AND ${param(maxLon)}::numeric`);
      }
      if (filter.near) {
        const { lat, lon, radiusM } = filter.near;
        // A box around the circle first (index), then the great-circle distance (haversine).
        const dLat = (radiusM / EARTH_RADIUS_M) * (180 / Math.PI);
        const dLon = dLat / Math.max(Math.cos((lat * Math.PI) / 180), 1e-6);
        where.push(`t.latitude BETWEEN ${param(lat - dLat)}::numeric AND ${param(lat + dLat)}::numeric`);
        where.push(`t.longitude BETWEEN ${param(lon - dLon)}::numeric AND ${param(lon + dLon)}::numeric`);
        const la = param(lat);
        const lo = param(lon);
        where.push(
          `${EARTH_RADIUS_M} * 2 * asin(sqrt(power(sin(radians(t.latitude::float8 - ${la}::float8) / 2), 2) + cos(radians(${la}::float8)) * cos(radians(t.latitude::float8)) * power(sin(radians(t.longitude::float8 - ${lo}::float8) / 2), 2))) <= ${param(radiusM)}::float8`,
        );
      }
      const evseConditions: string[] = [];
      if (filter.evseStatus) evseConditions.push(`e.status = ${param(filter.evseStatus)}`);
      if (filter.connectorStandard) evseConditions.push(`${param(filter.connectorStandard)} = ANY (e.standards)`);
      if (filter.minPowerW !== undefined) evseConditions.push(`e.max_power_w >= ${param(filter.minPowerW)}::numeric`);
      if (evseConditions.length) {
        where.push(
          `EXISTS (SELECT 1 FROM ${CATALOG_EVSES.name} e WHERE e.country_code = t.country_code AND e.party_id = t.party_id AND e.location_key = t.location_key AND e.evse_key = ANY (t.evse_keys) AND ${evseConditions.join(' AND ')})`,
        );
      }
      if (after)
        where.push(`(t.country_code, t.party_id, t.location_key) > (${param(after[0])}, ${param(after[1])}, ${param(after[2])})`);
      const rows = await tx.query<LocationRow>(
        `SELECT ${selectList(CATALOG_LOCATIONS)} FROM ${CATALOG_LOCATIONS.name} t
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY ${LOCATION_ORDER.map((c) => `t.${c}`).join(', ')} LIMIT ${Math.floor(limit + 1)}`,
        params,
      );
      const page = rows.slice(0, limit);
      const evses = await this.evsesOf(tx, page);
      const last = rows.length > limit ? page.at(-1) : undefined;
      return {
        locations: page.map((row) => composeLocation(row, evses.get(locationKey(row)) ?? [])),
        next: last ? LOCATION_ORDER.map((c) => String(last[c])) : undefined,
      };
    });
  }

  async location(countryCode: string, partyId: string, locationId: string) {
    return this.snapshot(async (tx) => {
      const [row] = await tx.query<LocationRow>(
        `SELECT ${selectList(CATALOG_LOCATIONS)} FROM ${CATALOG_LOCATIONS.name} t WHERE t.country_code = $1 AND t.party_id = $2 AND t.location_key = $3`,
        [countryCode.toUpperCase(), partyId.toUpperCase(), locationId.toUpperCase()],
      );
      if (!row) return undefined;
      return composeLocation(row, (await this.evsesOf(tx, [row])).get(locationKey(row)) ?? []);
    });
  }

  /** Every version of a tariff, oldest first. */
  async tariffVersions(countryCode: string, partyId: string, tariffId: string) {
    return this.snapshot((tx) =>
      tx.query<Row>(
        `SELECT ${selectList(CATALOG_TARIFF_VERSIONS)} FROM ${CATALOG_TARIFF_VERSIONS.name} t
          WHERE t.country_code = $1 AND t.party_id = $2 AND t.tariff_key = $3 ORDER BY t.version`,
        [countryCode.toUpperCase(), partyId.toUpperCase(), tariffId.toUpperCase()],
      ),
    );
  }

  /** The status changes of an EVSE in [from, to) by the CPO's time, and the status it had at `from`. */
  async statusHistory(countryCode: string, partyId: string, locationId: string, evseUid: string, from?: Date, to?: Date) {
    return this.snapshot(async (tx) => {
      const key = [countryCode.toUpperCase(), partyId.toUpperCase(), locationId.toUpperCase(), evseUid.toUpperCase()];
      const base = `FROM ${CATALOG_EVSE_STATUS.name} t WHERE t.country_code = $1 AND t.party_id = $2 AND t.location_key = $3 AND t.evse_key = $4`;
      const params: unknown[] = [...key];
      let range = '';
      if (from) {
        params.push(from.toISOString());
        range += ` AND t.changed_at >= $${params.length}::timestamptz`;
      }
      if (to) {
        params.push(to.toISOString());
        range += ` AND t.changed_at < $${params.length}::timestamptz`;
      }
      const changes = await tx.query<Row>(
        `SELECT ${selectList(CATALOG_EVSE_STATUS)} ${base}${range} ORDER BY t.changed_at, t.position`,
        params,
      );
      const before = from
        ? await tx.query<Row>(
            `SELECT ${selectList(CATALOG_EVSE_STATUS)} ${base} AND t.changed_at < $5::timestamptz ORDER BY t.changed_at DESC, t.position DESC LIMIT 1`,
            [...key, from.toISOString()],
          )
        : [];
      const [evse] = await tx.query<Row>(
        `SELECT 1 AS found FROM ${CATALOG_EVSES.name} t WHERE t.country_code = $1 AND t.party_id = $2 AND t.location_key = $3 AND t.evse_key = $4`,
        key,
      );
      return evse ? { changes, statusAtFrom: before[0]?.status ?? null } : undefined;
    });
  }

  private async evsesOf(tx: SqlQuery, locations: LocationRow[]): Promise<Map<string, EvseRow[]>> {
    const byLocation = new Map<string, EvseRow[]>();
    if (locations.length === 0) return byLocation;
    // Country codes and party ids have fixed lengths: the joined key is unambiguous.
    const rows = await tx.query<EvseRow>(
      `SELECT ${selectList(CATALOG_EVSES)} FROM ${CATALOG_EVSES.name} t WHERE t.country_code || t.party_id || t.location_key = ANY ($1)`,
      [locations.map(locationKey)],
    );
    for (const row of rows) byLocation.set(locationKey(row), [...(byLocation.get(locationKey(row)) ?? []), row]);
    return byLocation;
  }
}

function locationKey(row: { country_code: string; party_id: string; location_key: string }): string {
  return `${row.country_code}${row.party_id}${row.location_key}`;
}

import type { ProjectionTable, Row } from '@roamledger/projections';

/** The current location tree, one row per location: its own fields and the tree's last_updated. */
export const CATALOG_LOCATIONS: ProjectionTable = {
  name: 'catalog_locations',
  columns: [
    { name: 'country_code', type: 'text', required: true },
    { name: 'party_id', type: 'text', required: true },
    { name: 'location_key', type: 'text', required: true },
    { name: 'location_id', type: 'text', required: true },
    { name: 'name', type: 'text' },
    { name: 'city', type: 'text', required: true },
    { name: 'country', type: 'text', required: true },
    { name: 'latitude', type: 'numeric', required: true },
    { name: 'longitude', type: 'numeric', required: true },
    /** Null when the CPO gave none (2.1.1 makes it optional). */
    { name: 'time_zone', type: 'text' },
    { name: 'publish', type: 'boolean', required: true },
    /** The Location object without its EVSEs, as JSON text. */
    { name: 'location', type: 'text', required: true },
    /** Its EVSEs' keys in the order they joined. */
    { name: 'evse_keys', type: 'text[]', required: true },
    /** The latest last_updated of the location, its EVSEs and connectors (mod_locations' parent rule). */
    { name: 'last_updated', type: 'timestamptz', required: true },
    { name: 'position', type: 'bigint', required: true },
  ],
  primaryKey: ['location_key', 'country_code', 'party_id'],
  indexes: [['country_code', 'party_id', 'location_key'], ['latitude', 'longitude'], ['city']],
};

/** One row per EVSE, with its connectors (JSON) and what the location filters ask of them. */
export const CATALOG_EVSES: ProjectionTable = {
  name: 'catalog_evses',
  columns: [
    { name: 'country_code', type: 'text', required: true },
    { name: 'party_id', type: 'text', required: true },
    { name: 'location_key', type: 'text', required: true },
    { name: 'evse_key', type: 'text', required: true },
    { name: 'status', type: 'text', required: true },
    /** The EVSE object, connectors included, as JSON text. */
    { name: 'evse', type: 'text', required: true },
    { name: 'standards', type: 'text[]', required: true },
    /** The most power one of its connectors delivers, in W. */
    { name: 'max_power_w', type: 'numeric', required: true },
    /** Every tariff id of its connectors. */
    { name: 'tariff_ids', type: 'text[]', required: true },
    { name: 'last_updated', type: 'timestamptz', required: true },
    { name: 'position', type: 'bigint', required: true },
  ],
  primaryKey: ['evse_key', 'location_key', 'country_code', 'party_id'],
  indexes: [['location_key', 'country_code', 'party_id']],
};

/** Every status an EVSE took, with when the CPO says it changed (its last_updated) and when we heard it. */
export const CATALOG_EVSE_STATUS: ProjectionTable = {
  name: 'catalog_evse_status',
  columns: [
    { name: 'country_code', type: 'text', required: true },
    { name: 'party_id', type: 'text', required: true },
    { name: 'location_key', type: 'text', required: true },
    { name: 'evse_key', type: 'text', required: true },
    { name: 'position', type: 'bigint', required: true },
    { name: 'status', type: 'text', required: true },
    { name: 'from_status', type: 'text' },
    { name: 'changed_at', type: 'timestamptz', required: true },
    { name: 'recorded_at', type: 'timestamptz', required: true },
  ],
  primaryKey: ['evse_key', 'location_key', 'country_code', 'party_id', 'position'],
  indexes: [['evse_key', 'location_key', 'country_code', 'party_id', 'changed_at']],
};

/** Every tariff version with the interval it was in force: [valid_from, valid_to), valid_to null while current. */
export const CATALOG_TARIFF_VERSIONS: ProjectionTable = {
  name: 'catalog_tariff_versions',
  columns: [
    { name: 'country_code', type: 'text', required: true },
    { name: 'party_id', type: 'text', required: true },
    { name: 'tariff_key', type: 'text', required: true },
    { name: 'version', type: 'integer', required: true },
    { name: 'tariff_id', type: 'text', required: true },
    { name: 'currency', type: 'text', required: true },
    { name: 'tariff', type: 'text', required: true },
    { name: 'valid_from', type: 'timestamptz', required: true },
    { name: 'valid_to', type: 'timestamptz' },
    /** Set on the last version when the tariff was deleted. */
    { name: 'removed_at', type: 'timestamptz' },
    { name: 'position', type: 'bigint', required: true },
  ],
  primaryKey: ['tariff_key', 'country_code', 'party_id', 'version'],
};

export interface LocationRow extends Row {
  country_code: string;
  party_id: string;
  location_key: string;
  location: string;
  evse_keys: string[];
  last_updated: string;
}

export interface EvseRow extends Row {
  country_code: string;
  party_id: string;
  location_key: string;
  evse_key: string;
  status: string;
  evse: string;
  last_updated: string;
}

export interface TariffVersionRow extends Row {
  country_code: string;
  party_id: string;
  tariff_key: string;
  version: number;
  valid_from: string;
  valid_to: string | null;
}

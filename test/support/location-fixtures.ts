import type { Connector, EVSE, Location, Tariff } from '@roamledger/ocpi';

// Locations, EVSEs, connectors and tariffs built from mod_locations' and mod_tariffs' rules (every
// required field, valid formats), not copied from the spec's examples.

export function connector(id: string, lastUpdated: string, overrides: Partial<Connector> = {}): Connector {
  return {
    id,
    standard: 'IEC_62196_T2',
    format: 'SOCKET',
    power_type: 'AC_3_PHASE',
    max_voltage: 230,
    max_amperage: 32,
    max_electric_power: 22000,
    tariff_ids: ['T-AC'],
    last_updated: lastUpdated,
    ...overrides,
  } as Connector;
}

export function evse(uid: string, lastUpdated: string, overrides: Partial<EVSE> = {}): EVSE {
  return {
    uid,
    evse_id: `BE*BEC*E${uid}`,
    status: 'AVAILABLE',
    capabilities: ['RFID_READER'],
    connectors: [connector('1', lastUpdated)],
    last_updated: lastUpdated,
    ...overrides,
  } as EVSE;
}

export function location(id: string, lastUpdated: string, overrides: Partial<Location> = {}): Location {
  return {
    country_code: 'BE',
    party_id: 'BEC',
    id,
    publish: true,
    name: `Station ${id}`,
    address: 'Korenmarkt 1',
    city: 'Gent',
    postal_code: '9000',
    country: 'BEL',
    coordinates: { latitude: '51.054720', longitude: '3.721770' },
    time_zone: 'Europe/Brussels',
    opening_times: { twentyfourseven: true },
    last_updated: lastUpdated,
    ...overrides,
  } as Location;
}

export function tariff(id: string, lastUpdated: string, pricePerKwh: number, overrides: Partial<Tariff> = {}): Tariff {
  return {
    country_code: 'BE',
    party_id: 'BEC',
    id,
    currency: 'EUR',
    elements: [{ price_components: [{ type: 'ENERGY', price: pricePerKwh, vat: 21, step_size: 1 }] }],
    last_updated: lastUpdated,
    ...overrides,
  } as Tariff;
}

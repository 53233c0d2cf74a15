/**
 * OCPI 2.2.1 payloads this project writes itself, built from the spec's object tables (required
 * fields, enums, DateTime and decimal rules) so tests need nothing beside the repository. The
 * conformance suite that checks the spec's own examples reads them from OCPI_EXAMPLES_DIR
 * (test/support/spec-examples.ts).
 */

/**
 * The CdrLocation of a CDR, for tests that need a valid CDR and do not care where it was charged.
 */
export function gentCdrLocation(connectorPowerType: 'AC_1_PHASE' | 'AC_3_PHASE' = 'AC_1_PHASE') {
  return {
    id: 'LOC1',
    address: 'F.Rooseveltlaan 3A',
    city: 'Gent',
    country: 'BEL',
    coordinates: { latitude: '51.047599', longitude: '3.729944' },
    evse_uid: '3256',
    evse_id: 'BE*BEC*E041503003',
    connector_id: '1',
    connector_standard: 'IEC_62196_T2',
    connector_format: 'SOCKET',
    connector_power_type: connectorPowerType,
  };
}

type Json = Record<string, unknown>;

/** A driver's RFID token of a party not hosted here (the default OCPI_PARTIES is NL*RLG). */
const foreignToken = () => ({
  country_code: 'NL',
  party_id: 'TST',
  uid: 'RFID-0042',
  type: 'RFID',
  contract_id: 'NL-TST-C00000042-K',
});

/** A session NL*STK/101 that has just started: PENDING, no energy yet, a start fee so far. */
export function startingSession(): Json {
  return {
    country_code: 'NL',
    party_id: 'STK',
    id: '101',
    start_date_time: '2026-03-09T10:00:00Z',
    kwh: 0,
    cdr_token: foreignToken(),
    auth_method: 'WHITELIST',
    location_id: 'LOC1',
    evse_uid: '3256',
    connector_id: '1',
    currency: 'EUR',
    total_cost: { excl_vat: 1.5 },
    status: 'PENDING',
    last_updated: '2026-03-09T10:00:00Z',
  };
}

/** A session BE*BEC/101 sent once, already COMPLETED, with its charging periods. */
export function finishedSession(): Json {
  return {
    country_code: 'BE',
    party_id: 'BEC',
    id: '101',
    start_date_time: '2026-02-10T08:00:00Z',
    end_date_time: '2026-02-10T09:30:00Z',
    kwh: 12.5,
    cdr_token: foreignToken(),
    auth_method: 'WHITELIST',
    location_id: 'LOC1',
    evse_uid: '3256',
    connector_id: '1',
    currency: 'EUR',
    charging_periods: [
      {
        start_date_time: '2026-02-10T08:00:00Z',
        dimensions: [
          { type: 'ENERGY', volume: 12.5 },
          { type: 'MAX_CURRENT', volume: 32 },
        ],
      },
      { start_date_time: '2026-02-10T09:00:00Z', dimensions: [{ type: 'PARKING_TIME', volume: 0.5 }], tariff_id: 'T-1' },
    ],
    total_cost: { excl_vat: 4.75, incl_vat: 5.75 },
    status: 'COMPLETED',
    last_updated: '2026-02-10T09:30:05Z',
  };
}

/** A PATCH that replaces total_cost only (older than startingSession's last_updated). */
export function sessionCostPatch(): Json {
  return { total_cost: { excl_vat: 0.6, incl_vat: 0.73 }, last_updated: '2026-03-01T08:10:00Z' };
}

/** A PATCH with new kwh, one charging period to append, and total_cost (after sessionCostPatch). */
export function sessionPeriodPatch(): Json {
  return {
    kwh: 15,
    charging_periods: [{ start_date_time: '2026-03-01T08:15:00Z', dimensions: [{ type: 'ENERGY', volume: 2.2 }] }],
    total_cost: { excl_vat: 0.8, incl_vat: 0.97 },
    last_updated: '2026-03-01T08:15:00Z',
  };
}

/**
 * A CDR BE*BEC/12345 whose figures agree with each other: 1.5 h, 12.5 kWh charged in the first
 * hour and 0.5 h parked, priced by its tariff (0.30/kWh and 2.00/h parking, 21% VAT). Its token is
 * not a hosted party's and it names no session.
 */
export function cdr(): Json {
  return {
    country_code: 'BE',
    party_id: 'BEC',
    id: '12345',
    start_date_time: '2026-02-10T08:00:00Z',
    end_date_time: '2026-02-10T09:30:00Z',
    cdr_token: foreignToken(),
    auth_method: 'WHITELIST',
    cdr_location: gentCdrLocation(),
    currency: 'EUR',
    tariffs: [
      {
        country_code: 'BE',
        party_id: 'BEC',
        id: 'T-1',
        currency: 'EUR',
        elements: [
          {
            price_components: [
              { type: 'ENERGY', price: 0.3, vat: 21, step_size: 1 },
              { type: 'PARKING_TIME', price: 2, vat: 21, step_size: 60 },
            ],
          },
        ],
        last_updated: '2026-01-05T00:00:00Z',
      },
    ],
    charging_periods: [
      {
        start_date_time: '2026-02-10T08:00:00Z',
        dimensions: [
          { type: 'ENERGY', volume: 12.5 },
          { type: 'TIME', volume: 1 },
        ],
        tariff_id: 'T-1',
      },
      { start_date_time: '2026-02-10T09:00:00Z', dimensions: [{ type: 'PARKING_TIME', volume: 0.5 }], tariff_id: 'T-1' },
    ],
    total_cost: { excl_vat: 4.75, incl_vat: 5.75 },
    total_energy: 12.5,
    total_energy_cost: { excl_vat: 3.75, incl_vat: 4.54 },
    total_time: 1.5,
    total_parking_time: 0.5,
    total_parking_cost: { excl_vat: 1, incl_vat: 1.21 },
    last_updated: '2026-02-10T09:30:05Z',
  };
}

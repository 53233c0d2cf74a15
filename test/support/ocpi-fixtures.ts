/**
 * The CdrLocation of the spec's CDR example (a charger in Gent), for tests that need a valid CDR
 * and do not care where it was charged.
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

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TariffDimensionType } from '@roamledger/ocpi';
import { connector, evse, location, tariff } from '../support/location-fixtures';
import { CPO_A, startReceiverApp } from '../support/receiver-app';
import type { TestApp } from '../support/test-app';

// The Locations and Tariffs receivers on their 2.3.0 routes: the same commands and deciders as
// 2.2.1, with what 2.3.0 added (Parking, accepted contracts, open enums, North American taxes,
// undocumented fields) kept with the object and answered back in 2.3.0's shape.

// biome-ignore lint/suspicious/noExplicitAny: tests read the JSON they asked for
type Json = any;

const AT = '2026-07-01T10:00:00Z';
const LATER = '2026-07-01T11:00:00Z';

/** A 2.3.0 Location: two parking places, an EVSE using one, and values 2.2.1 does not know. */
const location230 = () => ({
  ...location('P230', AT),
  help_phone: '+3293000000',
  parking_places: [
    { id: 'P1', vehicle_types: ['PERSONAL_VEHICLE', 'DISABLED'], restricted_to_type: true, reservation_required: false },
    {
      id: 'P2',
      vehicle_types: ['SEMI_TRACTOR', 'CARGO_BIKE'],
      max_vehicle_weight: 40000,
      direction: 'PARALLEL',
      restricted_to_type: false,
      reservation_required: true,
    },
  ],
  facilities: ['SUPERMARKET', 'DOG_PARK'],
  evses: [
    {
      ...evse('E1', AT, { connectors: [connector('1', AT, { standard: 'X_MEGAPLUG' as never })] }),
      parking: [{ parking_id: 'P1', evse_position: 'LEFT' }],
      accepted_service_providers: ['Roamledger', 'Other eMSP'],
      parking_restrictions: ['TAXIS'],
      solar_canopy: { kw_peak: 12.5 },
    },
  ],
  wheelchair_ramp: true,
});

describe('Locations and Tariffs receivers in OCPI 2.3.0', () => {
  let harness: TestApp;
  const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const response = await harness.app.inject({
      method: method as 'PUT',
      url,
      headers: { ...CPO_A, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: response.json() };
  };
  const errorFields = (answer: { body: Json }) =>
    [
      ...new Set(
        ((answer.body.data?.errors ?? []) as string[]).map((error) => error.replace(/^each value in /, '').split(' ')[0]),
      ),
    ].sort();

  before(async () => {
    harness = await startReceiverApp();
  });
  after(async () => {
    await harness?.close();
  });

  test('a 2.3.0 Location with Parking, accepted contracts, new enum values and undocumented fields is kept whole', async () => {
    const sent = location230();
    const put = await call('PUT', '/ocpi/emsp/2.3.0/locations/BE/BEC/P230', sent);
    assert.equal(put.status, 201, put.body.status_message);
    assert.equal(put.body.status_code, 1000);
    const held = (await call('GET', '/ocpi/emsp/2.3.0/locations/BE/BEC/P230')).body.data;
    assert.deepEqual(held.parking_places, sent.parking_places);
    assert.equal(held.help_phone, '+3293000000');
    assert.deepEqual(held.facilities, ['SUPERMARKET', 'DOG_PARK']);
    assert.equal(held.wheelchair_ramp, true);
    const [heldEvse] = held.evses;
    assert.deepEqual(heldEvse.parking, [{ parking_id: 'P1', evse_position: 'LEFT' }]);
    assert.deepEqual(heldEvse.accepted_service_providers, ['Roamledger', 'Other eMSP']);
    assert.deepEqual(heldEvse.parking_restrictions, ['TAXIS']);
    assert.deepEqual(heldEvse.solar_canopy, { kw_peak: 12.5 });
    assert.equal(heldEvse.connectors[0].standard, 'X_MEGAPLUG');
  });

  test('2.2.1 keeps its closed enums: the same Location is refused there on exactly the values 2.2.1 does not list', async () => {
    const refused = await call('PUT', '/ocpi/emsp/2.2.1/locations/BE/BEC/P221', { ...location230(), id: 'P221' });
    assert.equal(refused.body.status_code, 2001);
    assert.deepEqual(errorFields(refused), ['evses[0].connectors[0].standard', 'evses[0].parking_restrictions', 'facilities']);
  });

  test('PATCHes on the 2.3.0 route go to the same deciders, with 2.3.0 fields at each level', async () => {
    const evsePatch = await call('PATCH', '/ocpi/emsp/2.3.0/locations/BE/BEC/P230/E1', {
      status: 'CHARGING',
      parking: [{ parking_id: 'P2' }],
      last_updated: LATER,
    });
    assert.equal(evsePatch.body.status_code, 1000, evsePatch.body.status_message);
    const connectorPatch = await call('PATCH', '/ocpi/emsp/2.3.0/locations/BE/BEC/P230/E1/1', {
      capabilities: ['ISO_15118_20_PLUG_AND_CHARGE'],
      last_updated: LATER,
    });
    assert.equal(connectorPatch.body.status_code, 1000, connectorPatch.body.status_message);
    const locationPatch = await call('PATCH', '/ocpi/emsp/2.3.0/locations/BE/BEC/P230', {
      help_phone: '+3293000001',
      last_updated: LATER,
    });
    assert.equal(locationPatch.body.status_code, 1000, locationPatch.body.status_message);
    const held = (await call('GET', '/ocpi/emsp/2.3.0/locations/BE/BEC/P230/E1')).body.data;
    assert.equal(held.status, 'CHARGING');
    assert.deepEqual(held.parking, [{ parking_id: 'P2' }]);
    assert.deepEqual(held.connectors[0].capabilities, ['ISO_15118_20_PLUG_AND_CHARGE']);
    assert.equal((await call('GET', '/ocpi/emsp/2.3.0/locations/BE/BEC/P230')).body.data.help_phone, '+3293000001');
    // A stale PATCH is judged as in 2.2.1: kept, nothing changed.
    const stale = await call('PATCH', '/ocpi/emsp/2.3.0/locations/BE/BEC/P230/E1', { status: 'AVAILABLE', last_updated: AT });
    assert.match(stale.body.status_message ?? '', /older/);
  });

  test('2.3.0 rules still refuse: a Parking without its required fields, an EVSE parking link that is no object, a number beyond 1e12', async () => {
    const sent = location230();
    const badParking = await call('PUT', '/ocpi/emsp/2.3.0/locations/BE/BEC/BAD1', {
      ...sent,
      id: 'BAD1',
      parking_places: [{ id: 'P1', vehicle_types: ['VAN'] }],
      evses: [{ ...sent.evses[0], parking: ['P1'] }],
    });
    assert.equal(badParking.body.status_code, 2001);
    assert.deepEqual(errorFields(badParking), [
      'evses[0].parking',
      'evses[0].parking[0]',
      'parking_places[0].reservation_required',
      'parking_places[0].restricted_to_type',
    ]);
    const huge = await call('PUT', '/ocpi/emsp/2.3.0/locations/BE/BEC/BAD2', {
      ...sent,
      id: 'BAD2',
      wheelchair_ramp: { width: 1e13 },
    });
    assert.equal(huge.body.status_code, 2001);
    assert.deepEqual(errorFields(huge), ['wheelchair_ramp.width']);
    assert.equal((await call('GET', '/ocpi/emsp/2.3.0/locations/BE/BEC/BAD1')).status, 404);
  });

  test('a 2.3.0 Tariff with North American taxes: limits become excl/incl_vat, tax_included is kept, GET answers each version its shape', async () => {
    const sent = {
      ...tariff('NA1', AT, 0.3, {
        currency: 'CAD',
        elements: [{ price_components: [{ type: TariffDimensionType.ENERGY, price: 0.3, step_size: 1 }] }],
      }),
      min_price: { before_taxes: 1, after_taxes: 1.13 },
      max_price: { before_taxes: 50 },
      preauthorize_amount: 60,
      tax_included: 'NO',
      tax_note: 'GST and PST added on top',
    };
    const put = await call('PUT', '/ocpi/emsp/2.3.0/tariffs/BE/BEC/NA1', sent);
    assert.equal(put.status, 201, put.body.status_message);
    const as230 = (await call('GET', '/ocpi/emsp/2.3.0/tariffs/BE/BEC/NA1')).body.data;
    assert.deepEqual(as230.min_price, { before_taxes: 1, after_taxes: 1.13 });
    assert.deepEqual(as230.max_price, { before_taxes: 50 });
    assert.equal(as230.tax_included, 'NO');
    assert.equal(as230.preauthorize_amount, 60);
    assert.equal(as230.tax_note, 'GST and PST added on top');
    const as221 = (await call('GET', '/ocpi/emsp/2.2.1/tariffs/BE/BEC/NA1')).body.data;
    assert.deepEqual(as221.min_price, { excl_vat: 1, incl_vat: 1.13 });
    assert.deepEqual(as221.max_price, { excl_vat: 50 });

    // A tariff pushed in 2.2.1 reads in 2.3.0 with the tax_included its VATs imply.
    assert.equal((await call('PUT', '/ocpi/emsp/2.2.1/tariffs/BE/BEC/EU1', tariff('EU1', AT, 0.3))).status, 201);
    assert.equal((await call('GET', '/ocpi/emsp/2.3.0/tariffs/BE/BEC/EU1')).body.data.tax_included, 'NO');

    const { tax_included: _, ...withoutTaxIncluded } = sent;
    const refused = await call('PUT', '/ocpi/emsp/2.3.0/tariffs/BE/BEC/NA2', { ...withoutTaxIncluded, id: 'NA2' });
    assert.equal(refused.body.status_code, 2001);
    assert.deepEqual(errorFields(refused), ['tax_included']);
    const badLimit = await call('PUT', '/ocpi/emsp/2.3.0/tariffs/BE/BEC/NA3', { ...sent, id: 'NA3', min_price: { excl_vat: 1 } });
    assert.equal(badLimit.body.status_code, 2001);
    assert.match(badLimit.body.status_message, /min_price\.before_taxes/);

    const deleted = await call('DELETE', '/ocpi/emsp/2.3.0/tariffs/BE/BEC/NA1');
    assert.equal(deleted.body.status_code, 1000, deleted.body.status_message);
    assert.equal((await call('GET', '/ocpi/emsp/2.3.0/tariffs/BE/BEC/NA1')).status, 404);
  });
});

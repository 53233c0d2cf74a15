import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CDR, Credentials, Session, VersionDetails, v230, validateOcpi, validateOcpiPatch } from '@roamledger/ocpi';
import { encodeCredentialsToken } from '@roamledger/ocpi-transport';
import { connector, evse, location } from '../support/location-fixtures';
import { PARTNERS, startReceiverApp } from '../support/receiver-app';
import { OCPI_230_EXAMPLES_DIR, readSpecExample230, specExamples230Skip } from '../support/spec-examples';
import type { TestApp } from '../support/test-app';

// The 2.3.0 spec's own examples of the objects our 2.3.0 routes take, through the 2.3.0 edge
// (prices with named taxes become the model's) and the model's validation.

describe('OCPI 2.3.0 spec examples through the 2.3.0 edge', { skip: specExamples230Skip }, () => {
  const asModel = (name: string, fields: readonly string[]) => {
    const mapped = v230.bodyFrom230(readSpecExample230(name), fields);
    assert.ok(mapped.ok, `${name}: ${mapped.ok ? '' : mapped.errors.join('; ')}`);
    return mapped.body;
  };

  for (const name of ['session_example_1_simple_start.json', 'session_example_2_short_finished.json']) {
    test(`${name} is accepted as a Session`, () => {
      const checked = validateOcpi(Session, asModel(name, v230.SESSION_PRICE_FIELDS_230));
      assert.ok(checked.ok, checked.ok ? '' : checked.errors.join('; '));
    });
  }

  for (const name of ['session_patch_example_total_cost.json', 'session_patch_example_charging_period.json']) {
    test(`${name} is accepted as a Session PATCH`, () => {
      const checked = validateOcpiPatch(Session, asModel(name, v230.SESSION_PRICE_FIELDS_230));
      assert.ok(checked.ok, checked.ok ? '' : checked.errors.join('; '));
    });
  }

  test('cdr_example.json is accepted as a CDR; its taxes add up to incl_vat, in decimals', () => {
    const checked = validateOcpi(CDR, asModel('cdr_example.json', v230.CDR_PRICE_FIELDS_230));
    assert.ok(checked.ok, checked.ok ? '' : checked.errors.join('; '));
    assert.deepEqual({ ...checked.value.total_cost }, { excl_vat: 4, incl_vat: 4.4 });
    assert.deepEqual({ ...checked.value.total_time_cost }, { excl_vat: 4, incl_vat: 4.4 });
  });

  test('a 2.3.0 price without before_taxes is refused on that field', () => {
    const example = readSpecExample230<Record<string, unknown>>('cdr_example.json');
    const mapped = v230.bodyFrom230(
      { ...example, total_cost: { taxes: [{ name: 'VAT', amount: 0.4 }] } },
      v230.CDR_PRICE_FIELDS_230,
    );
    assert.equal(mapped.ok, false);
    assert.match(mapped.ok ? '' : mapped.errors.join('; '), /^total_cost\.before_taxes/);
  });

  for (const name of ['credentials_example.json', 'credentials_example2.json', 'credentials_example3.json']) {
    test(`${name} is accepted as Credentials`, () => {
      const checked = validateOcpi(Credentials, readSpecExample230(name));
      assert.ok(checked.ok, checked.ok ? '' : checked.errors.join('; '));
    });
  }

  for (const name of ['version_details_example.json', 'version_details_example2.json']) {
    test(`${name} is accepted as VersionDetails (custom module ids too)`, () => {
      const checked = validateOcpi(VersionDetails, readSpecExample230(name));
      assert.ok(checked.ok, checked.ok ? '' : checked.errors.join('; '));
    });
  }
});

// biome-ignore lint/suspicious/noExplicitAny: tests read the JSON they asked for
type Json = any;

const LOCATIONS_230 = '/ocpi/emsp/2.3.0/locations';
const TARIFFS_230 = '/ocpi/emsp/2.3.0/tariffs';
const TOKEN_230 = 'token-cpo-spec-examples-230';

describe('OCPI 2.3.0 spec examples of Locations and Tariffs, pushed to our 2.3.0 receivers', {
  skip: specExamples230Skip,
}, () => {
  let harness: TestApp;
  const examples = (pattern: RegExp) =>
    specExamples230Skip
      ? []
      : readdirSync(OCPI_230_EXAMPLES_DIR)
          .filter((name) => pattern.test(name))
          .sort();
  const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const response = await harness.app.inject({
      method: method as 'PUT',
      url,
      headers: { authorization: encodeCredentialsToken(TOKEN_230), 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: response.json() };
  };
  // One field per refusal: "each value in x must…" and "x must…" name the same field.
  const errorFields = (answer: { body: Json }) =>
    [
      ...new Set(((answer.body.data?.errors ?? []) as string[]).map((e) => e.replace(/^each value in /, '').split(' ')[0])),
    ].sort();

  before(async () => {
    PARTNERS[TOKEN_230] = {
      partnerId: 'p-spec-examples-230',
      name: 'CPO of the 2.3.0 spec examples',
      tokenKind: 'C',
      roles: ['BE*BEC', 'NL*ALF', 'NL*ALL', 'DE*ALL', 'NL*TNM', 'CA*FLO', 'SE*EVC'].map((party) => ({
        countryCode: party.slice(0, 2),
        partyId: party.slice(3),
        role: 'CPO',
      })),
      suspended: false,
    };
    harness = await startReceiverApp();
  });
  after(async () => {
    await harness?.close();
    delete PARTNERS[TOKEN_230];
  });

  test('every Location example is accepted, but those whose EVSE parking lists bare ids: refused on exactly those lists (EVSEParking is an object)', async () => {
    const names = examples(/^location_example.*\.json$/);
    assert.ok(names.length >= 6, names.join(', '));
    let refused = 0;
    for (const name of names) {
      const body = readSpecExample230<Json>(name);
      const url = `${LOCATIONS_230}/${body.country_code}/${body.party_id}/${body.id}`;
      const bareIds = (body.evses ?? []).flatMap((e: Json, i: number) =>
        (e.parking ?? []).flatMap((p: unknown, j: number) =>
          typeof p === 'object' ? [] : [`evses[${i}].parking`, `evses[${i}].parking[${j}]`],
        ),
      );
      const answer = await call('PUT', url, body);
      if (bareIds.length) {
        refused++;
        assert.equal(answer.body.status_code, 2001, name);
        assert.deepEqual(errorFields(answer), [...new Set(bareIds)].sort(), name);
        // With each id as the EVSEParking object the spec defines, the rest of it is accepted.
        const fixed = {
          ...body,
          evses: body.evses.map((e: Json) => ({ ...e, parking: e.parking?.map((id: string) => ({ parking_id: id })) })),
        };
        const accepted = await call('PUT', url, fixed);
        assert.equal(accepted.body.status_code, 1000, `${name}: ${accepted.body.status_message}`);
      } else {
        assert.equal(answer.body.status_code, 1000, `${name}: ${answer.body.status_message}`);
      }
      const held = (await call('GET', url)).body.data;
      assert.equal(held.evses?.length ?? 0, body.evses?.length ?? 0, name);
      assert.deepEqual(held.parking_places, body.parking_places, name);
    }
    assert.equal(refused, 2, 'location_example.json and the parking garage example list bare parking ids');
  });

  test('the opening-hours and energy-mix fragments are accepted inside a Location', async () => {
    const names = examples(/^location_(hours|regularhours|energymix)_.*\.json$/);
    assert.ok(names.length >= 5, names.join(', '));
    for (const [i, name] of names.entries()) {
      const fragment = readSpecExample230<Json>(name);
      const part = 'twentyfourseven' in fragment ? { opening_times: fragment } : fragment;
      const answer = await call('PUT', `${LOCATIONS_230}/BE/BEC/FRAG-${i}`, location(`FRAG-${i}`, '2026-03-01T00:00:00Z', part));
      assert.equal(answer.body.status_code, 1000, `${name}: ${answer.body.status_message}`);
    }
  });

  test('the add-EVSE example is refused on exactly the required fields it leaves out; its undocumented floor is no reason', async () => {
    await call('PUT', `${LOCATIONS_230}/NL/TNM/1012`, {
      ...location('1012', '2019-06-24T12:00:00Z'),
      country_code: 'NL',
      party_id: 'TNM',
    });
    const answer = await call(
      'PUT',
      `${LOCATIONS_230}/NL/TNM/1012/3256`,
      readSpecExample230('location_put_example_add_evse.json'),
    );
    assert.equal(answer.body.status_code, 2001);
    assert.deepEqual(errorFields(answer), [
      'connectors[0].last_updated',
      'connectors[0].max_amperage',
      'connectors[0].max_voltage',
      'connectors[0].power_type',
      'physical_reference',
    ]);
  });

  test('the PATCH examples apply at the location, EVSE and connector levels of their URLs', async () => {
    const at = '2019-06-24T12:00:00Z';
    const tree = {
      ...location('1013', at, {
        evses: [evse('3255', at, { connectors: [connector('1', at), connector('2', at)] }), evse('3256', at)],
      }),
      country_code: 'NL',
      party_id: 'TNM',
    };
    assert.equal((await call('PUT', `${LOCATIONS_230}/NL/TNM/1013`, tree)).body.status_code, 1000);
    const patches: Array<[string, string]> = [
      ['location_patch_example_location.json', '1013'],
      ['location_patch_example_status.json', '1013/3255'],
      ['location_patch_example_tariff.json', '1013/3255/2'],
      ['location_patch_example_remove_evse.json', '1013/3256'],
    ];
    for (const [name, target] of patches) {
      const answer = await call('PATCH', `${LOCATIONS_230}/NL/TNM/${target}`, readSpecExample230(name));
      assert.equal(answer.body.status_code, 1000, `${name}: ${answer.body.status_message}`);
      assert.equal(answer.body.status_message, undefined, `${name} applied, not stale`);
    }
    const held = (await call('GET', `${LOCATIONS_230}/NL/TNM/1013`)).body.data;
    assert.equal(held.name, readSpecExample230<Json>('location_patch_example_location.json').name);
    assert.equal(held.evses[0].status, 'CHARGING');
    assert.deepEqual(held.evses[0].connectors[1].tariff_ids, ['15']);
    assert.equal(held.evses[1].status, 'REMOVED');
  });

  test('every Tariff example is accepted and answered back in 2.3.0 shape; the PUT example without last_updated is refused on that field alone', async () => {
    const names = examples(/^tariff.*\.json$/);
    assert.ok(names.length >= 20, names.join(', '));
    for (const name of names) {
      const body = readSpecExample230<Json>(name);
      const url = `${TARIFFS_230}/${body.country_code}/${body.party_id}/${body.id}`;
      const answer = await call('PUT', url, body);
      if (body.last_updated === undefined) {
        assert.equal(answer.body.status_code, 2001, name);
        assert.deepEqual(errorFields(answer), ['last_updated'], name);
        continue;
      }
      assert.equal(answer.body.status_code, 1000, `${name}: ${answer.body.status_message}`);
      // Examples share ids: one older than the one held is kept as stale, and GET answers the newer.
      if (/older/.test(answer.body.status_message ?? '')) continue;
      const held = (await call('GET', url)).body.data;
      assert.equal(held.tax_included, body.tax_included, name);
      assert.deepEqual(held.min_price, body.min_price, name);
      assert.deepEqual(held.max_price, body.max_price, name);
      assert.deepEqual(held.elements, body.elements, name);
    }
    // The North American example in 2.2.1's shape: before_taxes/after_taxes are excl_vat/incl_vat.
    const limits = readSpecExample230<Json>('tariff_12_025kwh_min_price.json');
    await call('PUT', `${TARIFFS_230}/DE/ALL/${limits.id}`, { ...limits, last_updated: '2030-01-01T00:00:00Z' });
    const as221 = await call('GET', `/ocpi/emsp/2.2.1/tariffs/DE/ALL/${limits.id}`);
    assert.deepEqual(as221.body.data.min_price, {
      excl_vat: limits.min_price.before_taxes,
      incl_vat: limits.min_price.after_taxes,
    });
  });
});

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeCredentialsToken } from '@roamledger/ocpi-transport';
import { connector, evse, location } from '../support/location-fixtures';
import { projectRoot } from '../support/project-root';
import { PARTNERS, startReceiverApp } from '../support/receiver-app';
import type { TestApp } from '../support/test-app';

// Every Locations and Tariffs example of the spec, pushed to our receivers as a CPO would: accepted,
// or refused on exactly the fields the spec's own rules reject. The examples are read where they
// are (OCPI_EXAMPLES_DIR, default ../shared/ocpi/spec-2.2.1/examples), never copied here.

const EXAMPLES = process.env.OCPI_EXAMPLES_DIR ?? path.resolve(projectRoot(), '../shared/ocpi/spec-2.2.1/examples');
const absent = existsSync(EXAMPLES) ? false : `no OCPI examples at ${EXAMPLES} (set OCPI_EXAMPLES_DIR)`;
const example = (name: string) => JSON.parse(readFileSync(path.join(EXAMPLES, name), 'utf8'));
const examples = (pattern: RegExp) =>
  absent
    ? []
    : readdirSync(EXAMPLES)
        .filter((name) => pattern.test(name))
        .sort();

const LOCATIONS = '/ocpi/emsp/2.2.1/locations';
const TARIFFS = '/ocpi/emsp/2.2.1/tariffs';
const TOKEN = 'token-cpo-spec-examples';
// The parties the examples are written for; one CPO partner holds them all.
const PARTIES = ['BE*BEC', 'SE*EVC', 'NL*ALF', 'NL*ALL', 'DE*ALL', 'NL*TNM'];

// biome-ignore lint/suspicious/noExplicitAny: tests read the JSON they asked for
type Json = any;

describe('the spec’s Locations and Tariffs examples', { skip: absent }, () => {
  let harness: TestApp;
  const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const response = await harness.app.inject({
      method: method as 'PUT',
      url,
      headers: { authorization: encodeCredentialsToken(TOKEN), 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: response.json() };
  };

  before(async () => {
    PARTNERS[TOKEN] = {
      partnerId: 'p-spec-examples',
      name: 'CPO of the spec examples',
      tokenKind: 'C',
      roles: PARTIES.map((party) => ({ countryCode: party.slice(0, 2), partyId: party.slice(3), role: 'CPO' })),
      suspended: false,
    };
    harness = await startReceiverApp();
  });

  after(async () => {
    await harness?.close();
    delete PARTNERS[TOKEN];
  });

  test('every Location example is accepted, and answered back by GET', async () => {
    const names = examples(/^location_example.*\.json$/);
    assert.ok(names.length >= 6, names.join(', '));
    for (const name of names) {
      const body = example(name);
      const url = `${LOCATIONS}/${body.country_code}/${body.party_id}/${body.id}`;
      const answer = await call('PUT', url, body);
      assert.equal(answer.body.status_code, 1000, `${name}: ${answer.body.status_message}`);
      const held = await call('GET', url);
      assert.equal(held.body.data.id, body.id, name);
      assert.equal(held.body.data.evses?.length ?? 0, body.evses?.length ?? 0, name);
    }
  });

  test('the opening-hours and energy-mix fragments are accepted inside a Location', async () => {
    const names = examples(/^location_(hours|regularhours|energymix)_.*\.json$/);
    assert.ok(names.length >= 5, names.join(', '));
    for (const [i, name] of names.entries()) {
      const fragment = example(name);
      const part = 'twentyfourseven' in fragment ? { opening_times: fragment } : fragment;
      const body = location(`FRAGMENT-${i}`, '2026-03-01T00:00:00Z', part);
      const answer = await call('PUT', `${LOCATIONS}/BE/BEC/FRAGMENT-${i}`, body);
      assert.equal(answer.body.status_code, 1000, `${name}: ${answer.body.status_message}`);
    }
  });

  test('the add-EVSE example is refused on exactly the required fields it leaves out (the spec: it may be discarded)', async () => {
    await call('PUT', `${LOCATIONS}/NL/TNM/1012`, {
      ...location('1012', '2019-06-24T12:00:00Z'),
      country_code: 'NL',
      party_id: 'TNM',
    });
    const answer = await call('PUT', `${LOCATIONS}/NL/TNM/1012/3256`, example('location_put_example_add_evse.json'));
    assert.equal(answer.status, 200);
    assert.equal(answer.body.status_code, 2001);
    const fields = (answer.body.data.errors as string[]).map((error) => error.split(' ')[0]).sort();
    assert.deepEqual(fields, [
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
      ...location('1012', at, {
        evses: [evse('3255', at, { connectors: [connector('1', at), connector('2', at)] }), evse('3256', at)],
      }),
      country_code: 'NL',
      party_id: 'TNM',
    };
    assert.equal((await call('PUT', `${LOCATIONS}/NL/TNM/1012`, tree)).body.status_code, 1000);
    const patches: Array<[string, string]> = [
      ['location_patch_example_location.json', '1012'],
      ['location_patch_example_status.json', '1012/3255'],
      ['location_patch_example_tariff.json', '1012/3255/2'],
      ['location_patch_example_remove_evse.json', '1012/3256'],
    ];
    for (const [name, target] of patches) {
      const answer = await call('PATCH', `${LOCATIONS}/NL/TNM/${target}`, example(name));
      assert.equal(answer.body.status_code, 1000, `${name}: ${answer.body.status_message}`);
      assert.equal(answer.body.status_message, undefined, `${name} applied, not stale`);
    }
    const held = (await call('GET', `${LOCATIONS}/NL/TNM/1012`)).body.data;
    assert.equal(held.name, example('location_patch_example_location.json').name);
    assert.equal(held.evses[0].status, example('location_patch_example_status.json').status);
    assert.deepEqual(held.evses[0].connectors[1].tariff_ids, example('location_patch_example_tariff.json').tariff_ids);
    assert.equal(held.evses[1].status, 'REMOVED');
    assert.equal(held.last_updated, example('location_patch_example_remove_evse.json').last_updated);
  });

  test('every Tariff example is accepted; the PUT example without last_updated is refused on that field alone', async () => {
    const names = examples(/^tariff.*\.json$/);
    assert.ok(names.length >= 18, names.join(', '));
    for (const name of names) {
      const body = example(name);
      const answer = await call('PUT', `${TARIFFS}/${body.country_code}/${body.party_id}/${body.id}`, body);
      if (body.last_updated === undefined) {
        assert.equal(answer.body.status_code, 2001, name);
        assert.deepEqual(
          (answer.body.data.errors as string[]).map((error) => error.split(' ')[0]),
          ['last_updated'],
          name,
        );
        continue;
      }
      assert.equal(answer.body.status_code, 1000, `${name}: ${answer.body.status_message}`);
      assert.equal((await call('GET', `${TARIFFS}/${body.country_code}/${body.party_id}/${body.id}`)).status, 200, name);
    }
  });
});

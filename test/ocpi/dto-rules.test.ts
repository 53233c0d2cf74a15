import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CDR,
  ChargingProfile,
  EVSE,
  Hours,
  isOcpiDateTime,
  Location,
  normalizeOcpiDateTime,
  parseOcpiDateTime,
  Session,
  StartSession,
  Token,
  VersionDetails,
  validateOcpi,
  validateOcpiList,
  validateOcpiPatch,
} from '@roamledger/ocpi';
import type { ClassConstructor } from 'class-transformer';
import { IsInt, IsString } from 'class-validator';
import fc from 'fast-check';
import { gentCdrLocation } from '../support/ocpi-fixtures';

// Payloads are built here rather than read from the spec examples, so these rules hold without shared/.

// biome-ignore lint/suspicious/noExplicitAny: test payloads are JSON that the tests deliberately mistype.
type Payload = Record<string, any>;

function location(): Payload {
  return {
    country_code: 'BE',
    party_id: 'BEC',
    id: 'LOC1',
    publish: true,
    address: 'F.Rooseveltlaan 3A',
    city: 'Gent',
    country: 'BEL',
    coordinates: { latitude: '51.047599', longitude: '3.729944' },
    evses: [
      {
        uid: '3256',
        status: 'AVAILABLE',
        connectors: [connector('1'), connector('2')],
        last_updated: '2015-06-28T08:12:01Z',
      },
    ],
    time_zone: 'Europe/Brussels',
    last_updated: '2015-06-29T20:39:09Z',
  };
}

function connector(id: string): Payload {
  return {
    id,
    standard: 'IEC_62196_T2',
    format: 'SOCKET',
    power_type: 'AC_3_PHASE',
    max_voltage: 220,
    max_amperage: 16,
    last_updated: '2015-03-16T10:10:02Z',
  };
}

function token(): Payload {
  return {
    country_code: 'NL',
    party_id: 'TNM',
    uid: '012345678',
    type: 'RFID',
    contract_id: 'NL8ACC12E46L89',
    issuer: 'TheNewMotion',
    valid: true,
    whitelist: 'ALWAYS',
    last_updated: '2015-06-29T22:39:09Z',
  };
}

function cdr(): Payload {
  return {
    country_code: 'BE',
    party_id: 'BEC',
    id: '12345',
    start_date_time: '2015-06-29T21:39:09Z',
    end_date_time: '2015-06-29T23:37:32Z',
    cdr_token: { country_code: 'DE', party_id: 'TNM', uid: '012345678', type: 'RFID', contract_id: 'DE8ACC12E46L89' },
    auth_method: 'WHITELIST',
    cdr_location: gentCdrLocation(),
    currency: 'EUR',
    charging_periods: [{ start_date_time: '2015-06-29T21:39:09Z', dimensions: [{ type: 'TIME', volume: 1.973 }] }],
    total_cost: { excl_vat: 4.0, incl_vat: 4.4 },
    total_energy: 15.342,
    total_time: 1.973,
    last_updated: '2015-06-29T22:01:13Z',
  };
}

/** The errors of an invalid payload; fails the test when it is valid. */
function errorsOf<T extends object>(cls: ClassConstructor<T>, plain: unknown): string[] {
  const result = validateOcpi(cls, plain);
  if (result.ok) assert.fail(`expected ${cls.name} to be invalid`);
  return result.errors;
}

function assertValid<T extends object>(cls: ClassConstructor<T>, plain: unknown): T {
  const result = validateOcpi(cls, plain);
  if (!result.ok) assert.fail(`expected valid ${cls.name}, got:\n  ${result.errors.join('\n  ')}`);
  return result.value;
}

describe('the hand-built payloads are valid', () => {
  test('Location, Token and CDR', () => {
    assertValid(Location, location());
    assertValid(Token, token());
    assertValid(CDR, cdr());
  });
});

describe('errors name the field', () => {
  test('a wrong JSON type is reported once, as a type error', () => {
    const body = location();
    body.publish = 'true';
    body.evses[0].connectors[0].max_voltage = '220';
    body.evses[0].physical_reference = 3;
    assert.deepEqual(errorsOf(Location, body), [
      'publish must be a boolean value',
      'evses[0].connectors[0].max_voltage must be an integer number',
      'evses[0].physical_reference must be a string',
    ]);
    assert.deepEqual(
      errorsOf(Session, { kwh: '15' }).filter((error) => error.startsWith('kwh')),
      ['kwh must be a number'],
    );
  });

  test('an id of 37 characters is too long for CiString(36)', () => {
    assert.deepEqual(errorsOf(Location, { ...location(), id: 'x'.repeat(37) }), ['id must be at most 36 characters']);
    assertValid(Location, { ...location(), id: 'x'.repeat(36) });
  });

  test('country_code is exactly 2 characters and party_id exactly 3', () => {
    assert.deepEqual(errorsOf(Location, { ...location(), country_code: 'BEL', party_id: 'BE' }), [
      'country_code must be exactly 2 characters',
      'party_id must be exactly 3 characters',
    ]);
  });

  test('an unknown enum value lists the allowed ones', () => {
    const body = location();
    body.evses[0].connectors[1].standard = 'IEC_62196_T9';
    const [error, ...rest] = errorsOf(Location, body);
    assert.deepEqual(rest, []);
    assert.match(error, /^evses\[0\]\.connectors\[1\]\.standard must be one of the following values: CHADEMO, .*TESLA_S$/);
  });

  test('a missing required field is reported as required, at any depth', () => {
    const body = location();
    delete body.city;
    delete body.evses[0].connectors[0].last_updated;
    assert.deepEqual(errorsOf(Location, body), ['city is required', 'evses[0].connectors[0].last_updated is required']);
    assert.deepEqual(errorsOf(Location, { ...location(), city: null }), ['city must not be null']);
  });

  test('numbers beyond what the ledger holds (1e308) are refused, naming the field', () => {
    assert.deepEqual(errorsOf(CDR, { ...cdr(), total_energy: 1e308 }), ['total_energy must lie between -1e12 and 1e12']);
    assert.deepEqual(errorsOf(CDR, { ...cdr(), total_cost: { excl_vat: -1e13 } }), [
      'total_cost.excl_vat must lie between -1e12 and 1e12',
    ]);
    assertValid(CDR, { ...cdr(), total_energy: 1e12 });
  });

  test('a bad DateTime is rejected', () => {
    assert.deepEqual(errorsOf(Location, { ...location(), last_updated: '2015-06-29 20:39:09' }), [
      'last_updated must be an RFC 3339 DateTime of at most 25 characters between years 0001 and 9999 (UTC), e.g. 2015-06-29T20:39:09Z',
    ]);
  });

  test('a nested error in evses[0].connectors[0] carries the whole path', () => {
    const body = location();
    body.evses[0].connectors[0].format = 'PLUG';
    body.evses[0].connectors[0].tariff_ids = ['11', 'y'.repeat(37)];
    assert.deepEqual(errorsOf(Location, body), [
      'evses[0].connectors[0].format must be one of the following values: SOCKET, CABLE',
      'each value in evses[0].connectors[0].tariff_ids must be at most 36 characters',
    ]);
  });

  test('lists and objects must have the right shape', () => {
    const evse = location().evses[0];
    assert.deepEqual(errorsOf(Location, { ...location(), evses: evse }), ['evses must be a list']);
    assert.deepEqual(errorsOf(Location, { ...location(), evses: [evse, 'EVSE'] }), [
      'each value in evses must be an object',
      'evses[1] must be an object',
    ]);
    assert.deepEqual(errorsOf(Location, { ...location(), evses: [[evse]] }), ['each value in evses must be an object']);
    assert.deepEqual(errorsOf(Location, { ...location(), coordinates: [location().coordinates] }), [
      'coordinates must be an object',
    ]);
    assert.deepEqual(errorsOf(Location, 'LOC1'), ['value must be a JSON object']);
    assert.deepEqual(errorsOf(Location, [location()]), ['value must be a JSON object']);
  });

  test('`+` cardinality needs at least one element', () => {
    assert.deepEqual(errorsOf(EVSE, { ...location().evses[0], connectors: [] }), [
      'connectors must contain at least 1 element(s)',
    ]);
    assert.deepEqual(errorsOf(CDR, { ...cdr(), charging_periods: [] }), ['charging_periods must contain at least 1 element(s)']);
  });

  test('a list validates each element and prefixes its index', () => {
    const second = token();
    delete second.issuer;
    const result = validateOcpiList(Token, [token(), second, 42]);
    assert.deepEqual(!result.ok && result.errors, ['[1].issuer is required', '[2] must be a JSON object']);
  });
});

describe('OCPI string types', () => {
  test('CiString is printable ASCII, string is any text without control characters', () => {
    assertValid(Location, { ...location(), city: 'Malmö', address: 'Krautwigstraße 283A' });
    assert.deepEqual(errorsOf(Location, { ...location(), id: 'LOC\t1', name: 'Gent\nZuid', party_id: 'BÉC' }), [
      'party_id must contain printable ASCII characters only',
      'id must contain printable ASCII characters only',
      'name must not contain control characters',
    ]);
  });

  test('coordinates follow the spec regex', () => {
    assert.deepEqual(errorsOf(Location, { ...location(), coordinates: { latitude: '51.0475', longitude: '3,729944' } }), [
      'coordinates.latitude must be decimal degrees with 5 to 7 decimals, e.g. 50.770774',
      'coordinates.longitude must be decimal degrees with 5 to 7 decimals, e.g. -126.104965',
    ]);
  });

  test('URLs are absolute http(s) URLs of at most 255 characters', () => {
    const operator = { name: 'BeCharged', website: 'http://localhost:8080/operator' };
    assertValid(Location, { ...location(), operator });
    assert.deepEqual(errorsOf(Location, { ...location(), operator: { ...operator, website: 'www.becharged.be' } }), [
      'operator.website must be an absolute http(s) URL',
    ]);
    const long = `https://example.com/${'a'.repeat(236)}`;
    assert.deepEqual(errorsOf(Location, { ...location(), operator: { ...operator, website: long } }), [
      'operator.website must be at most 255 characters',
    ]);
  });

  test('opening hours use 24h times with leading zeros', () => {
    const hours = { twentyfourseven: false, regular_hours: [{ weekday: 8, period_begin: '8:00', period_end: '24:00' }] };
    assert.deepEqual(errorsOf(Hours, hours), [
      'regular_hours[0].weekday must not be greater than 7',
      'regular_hours[0].period_begin must be a 24h time with leading zeros, e.g. 18:15',
      'regular_hours[0].period_end must be a 24h time with leading zeros, e.g. 18:15',
    ]);
  });
});

describe('unknown fields', () => {
  test('are accepted and left out of the validated value, at any depth', () => {
    const body: Payload = { ...location(), x_roaming_note: 'custom' };
    body.evses[0].connectors[0].x_plug_color = 'blue';
    const value = assertValid(Location, body);
    assert.equal('x_roaming_note' in value, false);
    assert.equal('x_plug_color' in (value.evses?.[0].connectors[0] ?? {}), false);
  });

  test('named __proto__ or constructor do not bypass validation', () => {
    const body = JSON.parse(`{"__proto__": {"publish": true}, "constructor": {}, ${JSON.stringify(location()).slice(1)}`);
    body.publish = 'yes';
    assert.deepEqual(errorsOf(Location, body), ['publish must be a boolean value']);
  });

  test('optional fields sent as null are absent from the validated value, at any depth', () => {
    const body: Payload = { ...cdr(), authorization_reference: null, meter_id: null };
    body.charging_periods[0].tariff_id = null;
    const value = assertValid(CDR, body);
    assert.equal(Object.hasOwn(value, 'authorization_reference'), false);
    assert.equal(Object.hasOwn(value, 'meter_id'), false);
    assert.equal(Object.hasOwn(value.charging_periods[0], 'tariff_id'), false);
    assert.deepEqual(JSON.parse(JSON.stringify(value)), cdr());

    const patch = validateOcpiPatch(Session, { authorization_reference: null, last_updated: '2019-06-23T08:11:00Z' });
    if (!patch.ok) assert.fail(patch.errors.join('; '));
    assert.deepEqual(Object.keys(patch.value), ['last_updated']);
    // A required field is still required: null is no value for it.
    assert.deepEqual(errorsOf(CDR, { ...cdr(), currency: null }), ['currency must not be null']);
  });

  test('absent optional fields are not keys of the validated value', () => {
    const value = assertValid(Location, location());
    assert.equal(Object.hasOwn(value, 'name'), false);
    assert.deepEqual(JSON.parse(JSON.stringify(value)), location());
  });
});

describe('validation rules', () => {
  test('a rule added after a class was validated applies from then on', () => {
    class Probe {
      @IsString()
      name!: string;
    }
    assert.deepEqual(validateOcpi(Probe, { name: 'x', size: 3 }), { ok: true, value: Object.assign(new Probe(), { name: 'x' }) });
    // A decorator is a function: applied to the class now, as a subclass's definition would.
    IsInt()(Probe.prototype, 'size');
    assert.deepEqual(validateOcpi(Probe, { name: 'x', size: 'three' }), {
      ok: false,
      errors: ['size must be an integer number'],
    });
  });
});

describe('PATCH bodies', () => {
  test('may leave out any field but last_updated', () => {
    const result = validateOcpiPatch(EVSE, { status: 'CHARGING', last_updated: '2019-06-24T12:39:09Z' });
    if (!result.ok) assert.fail(result.errors.join('; '));
    assert.ok(result.value instanceof EVSE);
    // Only the given fields: applying the patch key by key must not blank out the others.
    assert.deepEqual(Object.keys(result.value), ['status', 'last_updated']);
    assert.deepEqual(validateOcpiPatch(EVSE, { status: 'CHARGING' }), { ok: false, errors: ['last_updated is required'] });
  });

  test('still validate every field that is given', () => {
    const result = validateOcpiPatch(Session, { kwh: '15', status: 'STOPPED', last_updated: '2019-06-23T08:11:00Z' });
    assert.deepEqual(!result.ok && result.errors, [
      'kwh must be a number',
      'status must be one of the following values: ACTIVE, COMPLETED, INVALID, PENDING, RESERVATION',
    ]);
    assert.deepEqual(validateOcpiPatch(EVSE, { status: null, last_updated: '2019-06-24T12:39:09Z' }), {
      ok: false,
      errors: ['status must not be null'],
    });
  });

  test('replace nested objects whole, so those must be complete', () => {
    const result = validateOcpiPatch(Session, { total_cost: { incl_vat: 0.66 }, last_updated: '2019-06-23T08:11:00Z' });
    assert.deepEqual(!result.ok && result.errors, ['total_cost.excl_vat is required']);
    const evse = validateOcpiPatch(EVSE, { connectors: [{ id: '1', format: 'CABLE' }], last_updated: '2019-06-24T12:39:09Z' });
    assert.equal(evse.ok, false);
  });

  test('of flat values answer as the full validation does, field for field and message for message', () => {
    // A null under a name no class declares is stripped and never reported, but it is not a flat
    // value: it sends the same body down the full path, which reports every rule and filters.
    const fully = (cls: ClassConstructor<object>, body: Payload) => validateOcpiPatch(cls, { ...body, x_full_path: null });
    const scalar = fc.oneof(
      fc.constantFrom('CHARGING', 'AVAILABLE', 'ACTIVE', 'COMPLETED', '2019-06-24T12:39:09Z', 'x'.repeat(40), '', '1'),
      fc.string({ maxLength: 12 }),
      fc.double({ noNaN: true }),
      fc.integer(),
      fc.boolean(),
    );
    const fields = {
      [EVSE.name]: ['status', 'uid', 'evse_id', 'floor_level', 'physical_reference', 'last_updated', 'capabilities'],
      [Session.name]: ['kwh', 'status', 'currency', 'end_date_time', 'authorization_reference', 'last_updated', 'id'],
      [Token.name]: ['valid', 'whitelist', 'type', 'language', 'contract_id', 'last_updated', 'uid'],
    };
    fc.assert(
      fc.property(
        fc.constantFrom(EVSE, Session, Token),
        fc.dictionary(fc.constantFrom(...Object.values(fields).flat()), scalar, { maxKeys: 4 }),
        fc.boolean(),
        (cls: ClassConstructor<object>, body, withLastUpdated) => {
          const sent: Payload = withLastUpdated ? { ...body, last_updated: '2019-06-24T12:39:09Z' } : body;
          const fast = validateOcpiPatch(cls, sent);
          const full = fully(cls, sent);
          assert.deepEqual(fast.ok, full.ok);
          if (fast.ok && full.ok) assert.deepEqual({ ...fast.value }, { ...full.value });
          else assert.deepEqual(!fast.ok && fast.errors, !full.ok && full.errors);
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('of an object without last_updated need no last_updated', () => {
    assert.equal(validateOcpiPatch(StartSession, { location_id: 'LOC1' }).ok, true);
  });
});

describe('conditional rules of the spec', () => {
  test('a PublishTokenType sets uid, visual_number or group_id, with type and issuer alongside', () => {
    const publish_allowed_to = [{}, { uid: '12345678905880' }, { visual_number: '12345-67' }, { group_id: 'G1' }];
    assert.deepEqual(errorsOf(Location, { ...location(), publish: false, publish_allowed_to }), [
      'publish_allowed_to[0].uid (or visual_number or group_id) must be set',
      'publish_allowed_to[1].type must be set when uid is set',
      'publish_allowed_to[2].issuer must be set when visual_number is set',
    ]);
  });

  test('Hours that are not 24/7 list at least one regular period', () => {
    assert.deepEqual(errorsOf(Hours, { twentyfourseven: false }), [
      'regular_hours must contain at least one period when twentyfourseven is false',
    ]);
    assert.deepEqual(errorsOf(Hours, { twentyfourseven: false, regular_hours: [] }), [
      'regular_hours must contain at least one period when twentyfourseven is false',
    ]);
    assertValid(Hours, { twentyfourseven: true });
  });

  test('StartSession needs evse_uid when connector_id is set', () => {
    const start = { response_url: 'https://emsp.example.com/commands/START_SESSION/1', token: token(), location_id: 'LOC1' };
    assertValid(StartSession, start);
    assert.deepEqual(errorsOf(StartSession, { ...start, connector_id: '1' }), ['evse_uid must be set when connector_id is set']);
    assertValid(StartSession, { ...start, evse_uid: '3256', connector_id: '1' });
  });

  test('a credit CDR references the CDR it credits', () => {
    assert.deepEqual(errorsOf(CDR, { ...cdr(), credit: true }), ['credit_reference_id must be set when credit is true']);
    assertValid(CDR, { ...cdr(), id: '12345-C', credit: true, credit_reference_id: '12345' });
  });

  test('charging profile limits have at most one decimal', () => {
    assert.deepEqual(
      errorsOf(ChargingProfile, { charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit: 8.15 }] }),
      ['charging_profile_period[0].limit must be a number with at most 1 decimal(s)'],
    );
    assertValid(ChargingProfile, { charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit: 8.1 }] });
  });

  test('version details accept custom module ids but not unknown versions or roles', () => {
    const endpoint = { identifier: 'nltnm-tokens', role: 'SENDER', url: 'https://example.com/ocpi/2.2.1/nltnm-tokens' };
    assertValid(VersionDetails, { version: '2.2.1', endpoints: [endpoint] });
    assert.deepEqual(errorsOf(VersionDetails, { version: '2.3', endpoints: [{ ...endpoint, role: 'BOTH' }] }), [
      'version must be one of the following values: 2.0, 2.1, 2.1.1, 2.2, 2.2.1, 2.3.0',
      'endpoints[0].role must be one of the following values: SENDER, RECEIVER',
    ]);
  });
});

describe('DateTime', () => {
  test('accepts the spec formats, numeric offsets and up to 25 characters', () => {
    for (const text of [
      '2015-06-29T20:39:09Z',
      '2015-06-29T20:39:09',
      '2016-12-29T17:45:09.2Z',
      '2016-12-29T17:45:09.2',
      '2018-01-01T01:08:01.123Z',
      '2018-01-01T01:08:01.123',
      '2015-06-29T21:39:09+01:00',
      '2015-06-29T15:09:09-05:30',
      '2016-02-29T00:00:00Z',
    ]) {
      assert.equal(isOcpiDateTime(text), true, text);
    }
  });

  test('rejects other formats, impossible dates and more than 25 characters', () => {
    for (const text of [
      '',
      '2015-06-29',
      '2015-06-29 20:39:09',
      '2015-06-29T20:39',
      '2015-06-29T20:39:09ZZ',
      '2015-06-29T20:39:09+0100',
      '29-06-2015T20:39:09Z',
      '2015-02-29T00:00:00Z',
      '2015-13-01T00:00:00Z',
      '2015-06-29T24:00:00Z',
      '2015-06-29T20:60:00Z',
      '2015-06-29T20:39:09.123456Z',
      '1970-1-1T00:00:00Z',
    ]) {
      assert.equal(isOcpiDateTime(text), false, text);
    }
    assert.equal(isOcpiDateTime(1435610349000), false);
  });

  test('the usual form (20 characters, Z) is checked digit by digit and range by range like any other', () => {
    for (const text of [
      '2015-06-2xT20:39:09Z',
      '2015-06-29T20:39:0xZ',
      '-015-06-29T20:39:09Z',
      '2015-06-29T20:3 :09Z',
      '2015-06-29T20:39:09 ',
      '2015/06/29T20:39:09Z',
      '0000-12-31T23:59:59Z',
      '2015-04-31T00:00:00Z',
      '2015-06-29T20:39:60Z',
    ]) {
      assert.equal(isOcpiDateTime(text), false, text);
    }
    assert.equal(parseOcpiDateTime('2024-02-29T23:59:59Z').getTime(), Date.parse('2024-02-29T23:59:59Z'));
    assert.equal(parseOcpiDateTime('9999-12-31T23:59:59Z').getTime(), Date.parse('9999-12-31T23:59:59Z'));
  });

  test('is kept and answered in one UTC form: offsets shifted, the Z added, digits and fraction as sent', () => {
    for (const [sent, kept] of [
      ['2015-06-29T20:39:09Z', '2015-06-29T20:39:09Z'],
      ['2015-06-29T20:39:09', '2015-06-29T20:39:09Z'],
      ['2015-06-29t20:39:09z', '2015-06-29T20:39:09Z'],
      ['2016-12-29T17:45:09.2', '2016-12-29T17:45:09.2Z'],
      ['2018-01-01T01:08:01.123Z', '2018-01-01T01:08:01.123Z'],
      ['2018-01-01T01:08:01.12345', '2018-01-01T01:08:01.1234Z'],
      ['2022-01-02T00:00:00+00:00', '2022-01-02T00:00:00Z'],
      ['2022-01-02T00:00:00-00:00', '2022-01-02T00:00:00Z'],
      ['2015-06-29T21:39:09+01:00', '2015-06-29T20:39:09Z'],
      ['2015-12-31T20:00:00-05:30', '2016-01-01T01:30:00Z'],
    ]) {
      assert.equal(normalizeOcpiDateTime(sent), kept, sent);
      assert.equal(isOcpiDateTime(kept), true, kept);
    }
    assert.throws(() => normalizeOcpiDateTime('2015-06-29 20:39:09'), RangeError);

    const body: Payload = { ...cdr(), start_date_time: '2015-06-29T23:39:09+02:00', last_updated: '2015-06-29T22:01:13' };
    body.charging_periods[0].start_date_time = '2015-06-29T21:39:09+00:00';
    assert.deepEqual(JSON.parse(JSON.stringify(assertValid(CDR, body))), cdr());
    const patch = validateOcpiPatch(Session, { last_updated: '2019-06-23T10:11:00+02:00' });
    if (!patch.ok) assert.fail(patch.errors.join('; '));
    assert.equal(patch.value.last_updated, '2019-06-23T08:11:00Z');
    // An invalid one is reported as sent.
    assert.deepEqual(errorsOf(CDR, { ...cdr(), last_updated: '2015-06-29T22:01:13+0100' }), [
      'last_updated must be an RFC 3339 DateTime of at most 25 characters between years 0001 and 9999 (UTC), e.g. 2015-06-29T20:39:09Z',
    ]);
  });

  test('holds only what PostgreSQL timestamptz takes in: years 0001 to 9999 in UTC, offsets included', () => {
    for (const text of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '0001-01-01T01:00:00+01:00']) {
      assert.equal(isOcpiDateTime(text), true, text);
    }
    for (const text of [
      '0000-01-01T00:00:00Z',
      '0000-12-31T23:59:59Z',
      '0001-01-01T00:00:00+01:00',
      '9999-12-31T23:59:59-00:01',
    ]) {
      assert.equal(isOcpiDateTime(text), false, text);
      assert.throws(() => parseOcpiDateTime(text), RangeError);
    }
  });

  test('parseOcpiDateTime reads a DateTime without zone as UTC, whatever the local zone', () => {
    const localZone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      assert.equal(parseOcpiDateTime('2015-06-29T20:39:09').toISOString(), '2015-06-29T20:39:09.000Z');
      assert.equal(parseOcpiDateTime('2015-06-29T20:39:09Z').toISOString(), '2015-06-29T20:39:09.000Z');
      assert.equal(parseOcpiDateTime('2015-06-29T21:39:09+01:00').toISOString(), '2015-06-29T20:39:09.000Z');
      assert.equal(parseOcpiDateTime('2016-12-29T17:45:09.2').toISOString(), '2016-12-29T17:45:09.200Z');
      assert.equal(parseOcpiDateTime('0001-01-01T00:00:00Z').getUTCFullYear(), 1);
    } finally {
      if (localZone === undefined) delete process.env.TZ;
      else process.env.TZ = localZone;
    }
    assert.throws(() => parseOcpiDateTime('2015-06-29 20:39:09'), RangeError);
  });

  test('parseOcpiDateTime reads any instant of years 0001 to 9999 as Date does, with any offset', () => {
    const MIN = Date.parse('0001-01-02T00:00:00Z');
    const MAX = Date.parse('9999-12-30T23:59:59.999Z');
    const pad = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(fc.integer({ min: MIN, max: MAX }), fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), (at, offset) => {
        const utc = new Date(at).toISOString();
        assert.equal(parseOcpiDateTime(utc).getTime(), at, utc);
        // The same instant written in a zone `offset` minutes east of UTC, to the second.
        const local = new Date(Math.floor(at / 1000) * 1000 + offset * 60_000).toISOString().slice(0, 19);
        const sign = offset < 0 ? '-' : '+';
        const text = `${local}${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
        assert.equal(parseOcpiDateTime(text).getTime(), Math.floor(at / 1000) * 1000, text);
      }),
      { numRuns: 2000 },
    );
  });
});

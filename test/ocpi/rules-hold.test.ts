import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ClassConstructor, plainToInstance } from 'class-transformer';
import { type ValidatorOptions, validateSync } from 'class-validator';
import { CDR, type EVSE, Location, Session, StartSession, Tariff, Token } from '../../libs/ocpi/src/dto';
import { validateOcpi } from '../../libs/ocpi/src/validation';
import { rulesHold } from '../../libs/ocpi/src/validation/rules-hold';
import { evse, location, tariff } from '../support/location-fixtures';
import { cdr, finishedSession, startingSession } from '../support/ocpi-fixtures';
import { seededRandom } from '../support/seeded-random';

// rulesHold answers "would class-validator find nothing wrong?" without asking it. A yes is taken
// as the answer (the value is accepted without class-validator's run), so it must never differ
// from class-validator's: this compares them on valid OCPI objects altered one, two or three
// places at a time, and checks that a yes strips unknown members exactly as class-validator does.

type Json = Record<string, unknown>;
const AT = '2026-03-09T10:00:00Z';

const OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: false,
  forbidUnknownValues: true,
  validationError: { target: false, value: true },
};

const token = (): Json => ({
  country_code: 'NL',
  party_id: 'RLG',
  uid: '012345678',
  type: 'RFID',
  contract_id: 'NL-RLG-C12345678-S',
  issuer: 'Roamledger',
  valid: true,
  whitelist: 'ALLOWED',
  energy_contract: { supplier_name: 'Greenish', contract_id: 'G-1' },
  last_updated: AT,
});

const OBJECTS: Array<{ name: string; cls: ClassConstructor<object>; value: () => Json }> = [
  { name: 'CDR', cls: CDR, value: () => cdr() },
  // Rules that hold only under a condition (ValidateIf, IsDefined): a credit and what it credits.
  { name: 'credit CDR', cls: CDR, value: () => ({ ...cdr(), credit: true, credit_reference_id: 'CDR-ORIGINAL' }) },
  { name: 'Session (starting)', cls: Session, value: () => startingSession() },
  { name: 'Session (finished)', cls: Session, value: () => finishedSession() },
  {
    name: 'Location with EVSEs',
    cls: Location,
    value: () =>
      location('L1', AT, { evses: [evse('E1', AT), evse('E2', AT, { status: 'CHARGING' } as Partial<EVSE>)] }) as unknown as Json,
  },
  {
    name: 'Location published to some',
    cls: Location,
    value: () =>
      location('L2', AT, {
        publish: false,
        publish_allowed_to: [{ uid: '012345', type: 'RFID' }, { visual_number: 'V-1', issuer: 'Roamledger' }, { group_id: 'G1' }],
      } as never) as unknown as Json,
  },
  { name: 'Tariff', cls: Tariff, value: () => tariff('T1', AT, 0.25) as unknown as Json },
  {
    name: 'START_SESSION',
    cls: StartSession,
    value: () => ({
      response_url: 'https://cpo.example.com/ocpi/commands/START_SESSION/1',
      token: token(),
      location_id: 'L1',
      evse_uid: 'E1',
      connector_id: '1',
      authorization_reference: 'AUTH-1',
    }),
  },
  { name: 'Token', cls: Token, value: token },
];

/** Replacements tried at every place: wrong types, empty and oversized values, bad formats. */
const REPLACEMENTS: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1.123456789,
  42,
  true,
  '',
  ' ',
  'x',
  'NOT_ONE_OF_THEM',
  'x'.repeat(300),
  '2026-13-45T00:00:00Z',
  '2026-03-09T10:00:00',
  '12',
  {},
  [],
  [{}],
  ['x'],
  { unknown: 1 },
];

/** Every place in a value: [] is the value itself. */
function places(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  const found: Array<Array<string | number>> = at.length ? [at] : [];
  if (Array.isArray(value)) for (const [i, item] of value.entries()) found.push(...places(item, [...at, i]));
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) found.push(...places(item, [...at, key]));
  return found;
}

function altered(value: Json, place: Array<string | number>, replacement: unknown): Json {
  const copy = structuredClone(value);
  let parent: Record<string | number, unknown> = copy;
  for (const step of place.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = place[place.length - 1];
  if (replacement === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = structuredClone(replacement);
  return copy;
}

/** Also an unknown member on every object, which both must strip and neither refuse. */
function withStrangers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withStrangers);
  if (!value || typeof value !== 'object') return value;
  return { ...Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withStrangers(v)])), x_custom: { a: 1 } };
}

function compare(
  cls: ClassConstructor<object>,
  plain: unknown,
  skipMissingProperties: boolean,
): 'valid' | 'invalid' | 'not walked' {
  const theirs = plainToInstance(cls, structuredClone(plain));
  const ours = plainToInstance(cls, structuredClone(plain));
  const errors = validateSync(theirs, { ...OPTIONS, skipMissingProperties });
  const answer = rulesHold(ours, { skipMissingProperties });
  if (answer === undefined) return 'not walked';
  assert.equal(
    answer,
    errors.length === 0,
    `rulesHold said ${answer}, class-validator ${JSON.stringify(errors.map((e) => e.property))} for ${JSON.stringify(plain)}`,
  );
  if (answer) assert.deepEqual(JSON.parse(JSON.stringify(ours)), JSON.parse(JSON.stringify(theirs)), 'stripped alike');
  return answer ? 'valid' : 'invalid';
}

describe('rulesHold answers as class-validator does', () => {
  for (const { name, cls, value } of OBJECTS) {
    test(`${name}: the object, and each place of it replaced by a wrong or odd value`, () => {
      const counts = { valid: 0, invalid: 0, 'not walked': 0 };
      const original = value();
      counts[compare(cls, original, false)]++;
      counts[compare(cls, withStrangers(original), false)]++;
      for (const place of places(original)) {
        for (const replacement of REPLACEMENTS) {
          for (const skip of [false, true]) counts[compare(cls, altered(original, place, replacement), skip)]++;
        }
      }
      // Both answers occur, or the comparison proves nothing.
      assert.ok(counts.valid >= 2, `${JSON.stringify(counts)}`);
      assert.ok(counts.invalid >= 50, `${JSON.stringify(counts)}`);
      assert.equal(counts['not walked'], 0);
    });

    test(`${name}: two and three places altered at once`, () => {
      const random = seededRandom(name.length * 7919);
      const original = value();
      const all = places(original);
      const counts = { valid: 0, invalid: 0, 'not walked': 0 };
      for (let i = 0; i < 400; i++) {
        let plain = original;
        for (let n = 2 + Math.floor(random() * 2); n > 0; n--) {
          const current = places(plain);
          const place = current[Math.floor(random() * current.length)] ?? all[0];
          plain = altered(plain, place, REPLACEMENTS[Math.floor(random() * REPLACEMENTS.length)]);
        }
        counts[compare(cls, plain, random() < 0.5)]++;
      }
      assert.ok(counts.invalid >= 100, `${JSON.stringify(counts)}`);
    });
  }

  test('validateOcpi takes the same decisions with it as class-validator alone, messages included', () => {
    const refused = validateOcpi(CDR, altered(cdr(), ['cdr_token', 'type'], 'NOT_ONE_OF_THEM'));
    assert.equal(refused.ok, false);
    assert.match((refused as { errors: string[] }).errors.join('; '), /cdr_token\.type must be one of/);
    const accepted = validateOcpi(CDR, withStrangers(cdr()));
    assert.equal(accepted.ok, true);
    assert.equal(JSON.stringify((accepted as { value: object }).value).includes('x_custom'), false);
  });
});

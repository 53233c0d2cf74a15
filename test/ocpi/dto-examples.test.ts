import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { ClassConstructor } from 'class-transformer';
import {
  CDR,
  Connector,
  Credentials,
  DisplayText,
  EnergyMix,
  EVSE,
  Hours,
  Location,
  OcpiResponseEnvelope,
  Session,
  Tariff,
  Token,
  Version,
  VersionDetails,
} from '../../libs/ocpi/src/dto';
import { type OcpiValidationResult, validateOcpi, validateOcpiList, validateOcpiPatch } from '../../libs/ocpi/src/validation';
import { OCPI_EXAMPLES_DIR, specExamplesSkip } from '../support/spec-examples';

// Every example of the OCPI 2.2.1 spec must validate against its DTO class. The examples are not in
// the repository: OCPI_EXAMPLES_DIR names their folder, and without it this suite is skipped.
const EXAMPLES_DIR = OCPI_EXAMPLES_DIR;
const EXPECTED_EXAMPLE_COUNT = 59;

type Plain = Record<string, unknown>;

/** How an example file is checked. */
type Check =
  /** A whole object; `member` when the file wraps it in a one-key object ({"energy_mix": {...}}). */
  | { as: 'object'; cls: ClassConstructor<object>; member?: string }
  /** A list of objects (a GET versions answer without its envelope). */
  | { as: 'list'; cls: ClassConstructor<object> }
  /** A PATCH body. */
  | { as: 'patch'; cls: ClassConstructor<object> }
  /** A response envelope whose `data` is one object, or a list with `list: true`. */
  | { as: 'response'; cls: ClassConstructor<object>; list?: boolean }
  /**
   * An example that breaks the spec's own object table. It must fail with exactly `errors`, and
   * pass once `repair` fixes what the spec text around it implies.
   */
  | { as: 'defective'; cls: ClassConstructor<object>; errors: string[]; repair: (plain: Plain) => void; ignored?: string[] };

const object = (cls: ClassConstructor<object>, member?: string): Check => ({ as: 'object', cls, member });
const patch = (cls: ClassConstructor<object>): Check => ({ as: 'patch', cls });

const EXAMPLES: Record<string, Check> = {
  'cdr_example.json': object(CDR),
  'credentials_example.json': object(Credentials),
  'credentials_example2.json': object(Credentials),
  'credentials_example3.json': object(Credentials),
  'credentials_example4.json': object(Credentials),
  'location_energymix_example_complete.json': object(EnergyMix, 'energy_mix'),
  'location_energymix_example_energy_provider.json': object(EnergyMix, 'energy_mix'),
  'location_energymix_example_simple.json': object(EnergyMix, 'energy_mix'),
  'location_example.json': object(Location),
  'location_example_parking_garage_opening_hours.json': object(Location),
  'location_example_uc2_destination_charger.json': object(Location),
  'location_example_uc3_destination_charger_not_published.json': object(Location),
  'location_example_uc4_limited_visibility.json': object(Location),
  'location_example_uc5_home_charge_point.json': object(Location),
  'location_hours_247_open_exception_closing.json': object(Hours),
  'location_hours_opening_hours_with_exceptional_closing.json': object(Hours),
  'location_hours_opening_hours_with_exceptional_opening.json': object(Hours),
  // PATCHed to .../locations/NL/TNM/1012, .../1012/3256, .../1012/3255 and .../1012/3255/2.
  'location_patch_example_location.json': patch(Location),
  'location_patch_example_remove_evse.json': patch(EVSE),
  'location_patch_example_status.json': patch(EVSE),
  'location_patch_example_tariff.json': patch(Connector),
  // "To add an EVSE, simply put the full object ... including all its required fields", yet the
  // connector lacks four required fields and physical_reference is a number; `floor` is not a
  // field at all (floor_level is), so it is ignored like any unknown member.
  'location_put_example_add_evse.json': {
    as: 'defective',
    cls: EVSE,
    errors: [
      'connectors[0].power_type is required',
      'connectors[0].max_voltage is required',
      'connectors[0].max_amperage is required',
      'connectors[0].last_updated is required',
      'physical_reference must be a string',
    ],
    repair: (evse) => {
      const [connector] = evse.connectors as Plain[];
      Object.assign(connector, { power_type: 'AC_3_PHASE', max_voltage: 220, max_amperage: 16, last_updated: evse.last_updated });
      evse.physical_reference = String(evse.physical_reference);
    },
    ignored: ['floor'],
  },
  'location_regularhours_example.json': object(Hours, 'opening_times'),
  'session_example_1_simple_start.json': object(Session),
  'session_example_2_short_finished.json': object(Session),
  'session_patch_example_charging_period.json': patch(Session),
  'session_patch_example_total_cost.json': patch(Session),
  'tariff_1_simple_2hour.json': object(Tariff),
  'tariff_2_alt_text.json': object(Tariff),
  'tariff_3_alt_url.json': object(Tariff),
  'tariff_4_complex.json': object(Tariff),
  'tariff_5_free_of_charge.json': object(Tariff),
  'tariff_6_025kwh_start_max_price.json': object(Tariff),
  'tariff_8_simple_025kwh.json': object(Tariff),
  'tariff_9_025kwh_start.json': object(Tariff),
  'tariff_10_025kwh_parking_start.json': object(Tariff),
  'tariff_11_not_possible_alt_text.json': object(Tariff),
  'tariff_12_025kwh_min_price.json': object(Tariff),
  'tariff_13_simple_3hour_5parking.json': object(Tariff),
  'tariff_14_step_size.json': object(Tariff),
  'tariff_15_reservation_5_euro_per_hour.json': object(Tariff),
  'tariff_16_reservation_2_euro_fee_5_euro_per_hour.json': object(Tariff),
  'tariff_17_reservation_with_expire_fee.json': object(Tariff),
  'tariff_18_reservation_with_expire_time.json': object(Tariff),
  // A PUT must carry every required field, and Tariff.last_updated is required (card. 1).
  'tariff_put_example.json': {
    as: 'defective',
    cls: Tariff,
    errors: ['last_updated is required'],
    repair: (tariff) => {
      tariff.last_updated = '2015-06-29T20:39:09Z';
    },
  },
  'tariffrestriction_example_max_duration.json': object(Tariff),
  'tariffrestriction_example_max_power.json': object(Tariff),
  'token_example_1_app_user.json': object(Token),
  'token_example_2_full_rfid.json': object(Token),
  'token_patch_example.json': patch(Token),
  'token_put_example.json': object(Token),
  'transport_and_format_get_token_example.json': { as: 'response', cls: Token },
  'transport_and_format_get_token_list_example.json': { as: 'response', cls: Token, list: true },
  'transport_and_format_version_details_example.json': { as: 'response', cls: VersionDetails },
  'transport_and_format_version_info_example.json': { as: 'response', cls: Version, list: true },
  'type_displaytext_example.json': object(DisplayText),
  'version_details_example.json': object(VersionDetails),
  'version_details_example2.json': object(VersionDetails),
  'versions_info_example.json': { as: 'list', cls: Version },
};

function readExample(file: string): unknown {
  return JSON.parse(readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'));
}

/** The validated value as JSON, to compare with what went in: no field lost, renamed or converted. */
function asJson(result: OcpiValidationResult<unknown>): unknown {
  if (!result.ok) assert.fail(`expected valid, got:\n  ${result.errors.join('\n  ')}`);
  return JSON.parse(JSON.stringify(result.value));
}

function checkExample(check: Check, plain: unknown): void {
  switch (check.as) {
    case 'object': {
      if (check.member === undefined) {
        assert.deepEqual(asJson(validateOcpi(check.cls, plain)), plain);
        return;
      }
      const wrapper = plain as Plain;
      assert.deepEqual(Object.keys(wrapper), [check.member]);
      assert.deepEqual(asJson(validateOcpi(check.cls, wrapper[check.member])), wrapper[check.member]);
      return;
    }
    case 'list':
      assert.deepEqual(asJson(validateOcpiList(check.cls, plain)), plain);
      return;
    case 'patch':
      assert.deepEqual(asJson(validateOcpiPatch(check.cls, plain)), plain);
      return;
    case 'response': {
      const envelope = plain as Plain;
      assert.deepEqual(asJson(validateOcpi(OcpiResponseEnvelope, envelope)), envelope);
      const data = check.list ? validateOcpiList(check.cls, envelope.data) : validateOcpi(check.cls, envelope.data);
      assert.deepEqual(asJson(data), envelope.data);
      return;
    }
    case 'defective': {
      const result = validateOcpi(check.cls, plain);
      assert.equal(result.ok, false, 'this example was expected to break the spec');
      assert.deepEqual(!result.ok && result.errors, check.errors);
      const repaired = structuredClone(plain) as Plain;
      check.repair(repaired);
      const value = asJson(validateOcpi(check.cls, repaired));
      for (const unknownMember of check.ignored ?? []) delete repaired[unknownMember];
      assert.deepEqual(value, repaired);
      return;
    }
  }
}

describe('the OCPI 2.2.1 spec examples validate against the DTOs', { skip: specExamplesSkip }, () => {
  test('the examples folder holds exactly the mapped example files', () => {
    assert.ok(existsSync(EXAMPLES_DIR), `examples folder missing: ${EXAMPLES_DIR}`);
    const files = readdirSync(EXAMPLES_DIR).filter((file) => file.endsWith('.json'));
    assert.deepEqual([...files].sort(), Object.keys(EXAMPLES).sort());
    assert.equal(files.length, EXPECTED_EXAMPLE_COUNT);
  });

  let validated = 0;
  for (const [file, check] of Object.entries(EXAMPLES)) {
    test(`spec example ${file} validates as ${check.cls.name}${check.as === 'object' ? '' : ` (${check.as})`}`, () => {
      checkExample(check, readExample(file));
      validated += 1;
    });
  }

  // Tests of a suite run in order, so this one sees every example's outcome.
  test('every spec example was validated', () => {
    assert.equal(validated, EXPECTED_EXAMPLE_COUNT);
  });
});

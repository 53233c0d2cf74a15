import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CDR, Credentials, Session, VersionDetails, v230, validateOcpi, validateOcpiPatch } from '@roamledger/ocpi';
import { readSpecExample230, specExamples230Skip } from '../support/spec-examples';

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

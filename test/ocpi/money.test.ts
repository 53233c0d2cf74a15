import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decimalOf, MONEY_ROUNDING, Money, minorUnits, OcpiDecimal, priceOf, sumOf } from '@roamledger/ocpi';

describe('Money: decimals from the edge, one rounding rule', () => {
  test('JSON numbers become the decimals the sender wrote, and sums are exact', () => {
    assert.equal(decimalOf(0.1).plus(decimalOf(0.2)).toString(), '0.3');
    assert.equal(sumOf([0.1, 0.2, 0.3].map((n) => decimalOf(n))).toString(), '0.6');
    assert.equal(Money.of(0.1, 'EUR').plus(Money.of(0.2, 'EUR')).equals(Money.of(0.3, 'EUR')), true);
    assert.throws(() => decimalOf(Number.NaN), RangeError);
  });

  test('the rule: half away from zero, to the currency’s minor unit', () => {
    assert.equal(MONEY_ROUNDING, OcpiDecimal.ROUND_HALF_UP);
    assert.equal(Money.of(2.345, 'EUR').rounded().toString(), '2.35');
    assert.equal(Money.of(-2.345, 'EUR').rounded().toString(), '-2.35');
    assert.equal(Money.of(2.344, 'EUR').toString(), '2.34');
    assert.equal(Money.of(1234.5, 'JPY').toString(), '1235');
    assert.equal(Money.of(1.2345, 'KWD').toString(), '1.235');
    assert.deepEqual([minorUnits('eur'), minorUnits('JPY'), minorUnits('BHD')], [2, 0, 3]);
  });

  test('equality is after rounding; currencies never mix', () => {
    assert.equal(Money.of(4.4, 'EUR').equals(Money.of('4.404', 'EUR')), true);
    assert.equal(Money.of(4.4, 'EUR').equals(Money.of(4.41, 'EUR')), false);
    assert.throws(() => Money.of(1, 'EUR').plus(Money.of(1, 'USD')), /EUR with USD/);
  });

  test('amounts are written as fixed decimals, and back to a JSON number only at the edge', () => {
    assert.equal(JSON.stringify({ total: Money.of(4, 'EUR') }), '{"total":"4.00"}');
    assert.equal(Money.of('3.275', 'EUR').toOcpiNumber(), 3.28);
    const price = priceOf({ excl_vat: 4, incl_vat: 4.4 }, 'eur');
    assert.equal(price.exclVat.currency, 'EUR');
    assert.equal(price.inclVat?.toString(), '4.40');
    assert.equal(priceOf({ excl_vat: 1 }, 'EUR').inclVat, undefined);
  });
});

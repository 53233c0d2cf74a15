// The engine's exact decimals (scaled BigInts) against decimal.js, which the model reads numbers with.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decimalOf, OcpiDecimal } from '@roamledger/ocpi/values';
import fc from 'fast-check';
import { compare, exactOf, minus, plus, remainder, roundedToInteger, times, toDecimal } from '../../libs/pricing/src/exact';

/** Numbers as partners write them (few decimals), and any double at all. */
const numberArb = fc.oneof(
  fc
    .tuple(fc.integer({ min: -(10 ** 12), max: 10 ** 12 }), fc.integer({ min: 0, max: 12 }))
    .map(([units, places]) => new OcpiDecimal(units).div(10 ** places).toNumber()),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0.1, 0.583333, 12.345, 1.005, 0.09999999999999999, 1e-7, 1.5e21, 2 ** 53 + 2, -0),
);

describe('exact decimals', () => {
  test('a JSON number reads as the same decimal as decimalOf reads it', () => {
    fc.assert(
      fc.property(numberArb, (value) => {
        assert.equal(toDecimal(exactOf(value)).toString(), decimalOf(value).toString(), String(value));
      }),
      { numRuns: 20_000 },
    );
  });

  test('sums, differences, products, comparisons, remainders and rounding are decimal.js on exact operands', () => {
    const small = fc
      .tuple(fc.integer({ min: -(10 ** 9), max: 10 ** 9 }), fc.integer({ min: 0, max: 9 }))
      .map(([units, places]) => new OcpiDecimal(units).div(10 ** places).toNumber());
    fc.assert(
      fc.property(small, small, (a, b) => {
        const [x, y] = [exactOf(a), exactOf(b)];
        const [dx, dy] = [decimalOf(a), decimalOf(b)];
        assert.ok(toDecimal(plus(x, y)).equals(dx.plus(dy)));
        assert.ok(toDecimal(minus(x, y)).equals(dx.minus(dy)));
        assert.ok(toDecimal(times(x, y)).equals(dx.times(dy)));
        assert.equal(compare(x, y), dx.comparedTo(dy));
        assert.ok(toDecimal(roundedToInteger(x)).equals(dx.toDecimalPlaces(0)), `${a} rounded`);
        if (a > 0 && b > 0) assert.ok(toDecimal(remainder(x, y)).equals(dx.mod(dy)), `${a} mod ${b}`);
      }),
      { numRuns: 5000 },
    );
  });

  test('figures beyond 2^53 units leave Numbers for BigInts and give the same results', () => {
    // Units around the largest safe integer, so a step overflows a Number now and then.
    const large = fc
      .tuple(
        fc.oneof(
          fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }),
          fc.bigInt({ min: 2n ** 53n - 1000n, max: 2n ** 53n + 1000n }),
          fc.bigInt({ min: -(2n ** 53n) - 1000n, max: -(2n ** 53n) + 1000n }),
          fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }),
        ),
        fc.integer({ min: 0, max: 12 }),
      )
      .map(([units, scale]) => ({
        exact: units <= 2n ** 53n - 1n && units >= -(2n ** 53n - 1n) ? { units: Number(units), scale } : { units, scale },
        decimal: new OcpiDecimal(`${units}e-${scale}`),
      }));
    fc.assert(
      fc.property(large, large, (a, b) => {
        const [x, y, dx, dy] = [a.exact, b.exact, a.decimal, b.decimal];
        assert.equal(toDecimal(plus(x, y)).toString(), dx.plus(dy).toString());
        assert.equal(toDecimal(minus(x, y)).toString(), dx.minus(dy).toString());
        assert.equal(toDecimal(times(x, y)).toString(), dx.times(dy).toString());
        assert.equal(compare(x, y), dx.comparedTo(dy));
        assert.equal(toDecimal(roundedToInteger(x)).toString(), dx.toDecimalPlaces(0).toString());
        if (dx.gt(0) && dy.gt(0)) assert.equal(toDecimal(remainder(x, y)).toString(), dx.mod(dy).toString());
      }),
      { numRuns: 10_000 },
    );
  });

  test('an exact figure becomes the very decimal.js object its text would (sign, exponent, words)', () => {
    const units = fc.oneof(
      fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }),
      fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
      fc.integer({ min: -20_000_000, max: 20_000_000 }).map(BigInt),
      fc.constantFrom(0n, 1n, -1n, 10_000_000n, 9_999_999n, 100_000_000_000_000n, 2n ** 53n - 1n),
    );
    fc.assert(
      fc.property(units, fc.integer({ min: 0, max: 20 }), (value, scale) => {
        const decimal = toDecimal({ units: value, scale });
        const parsed = new OcpiDecimal(`${value}e-${scale}`);
        assert.deepStrictEqual({ ...decimal }, { ...parsed }, `${value}e-${scale}`);
        assert.equal(decimal.toString(), parsed.toString());
      }),
      { numRuns: 20_000 },
    );
  });

  test('half a unit rounds away from zero, as OcpiDecimal does', () => {
    assert.equal(toDecimal(roundedToInteger(exactOf(2.5))).toString(), '3');
    assert.equal(toDecimal(roundedToInteger(exactOf(-2.5))).toString(), '-3');
    assert.equal(toDecimal(roundedToInteger(exactOf(2.4999))).toString(), '2');
  });
});

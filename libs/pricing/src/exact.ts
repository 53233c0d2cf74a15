import { OcpiDecimal } from '@roamledger/ocpi/values';

/**
 * An exact decimal as a scaled integer: units / 10^scale. What the engine computes with: sums and
 * products of OCPI numbers are exact integer arithmetic, far cheaper than decimal.js objects, and a
 * figure becomes an OcpiDecimal only in the result (toDecimal), where the model's rounding rule
 * applies as before. Nothing here rounds but roundedToInteger.
 */
export interface Exact {
  /**
   * A safe integer (a Number, no allocation) while the value fits one, else a BigInt. Every
   * operation checks that each Number step stays safe (an inexact double lands outside the safe
   * range) and otherwise does the same step in BigInt.
   */
  readonly units: number | bigint;
  readonly scale: number;
}

/** A value stated as a quotient: a power the period does not state is its energy over its time. */
export interface Quotient {
  readonly dividend: Exact;
  readonly divisor: Exact;
}

export const EXACT_ZERO: Exact = { units: 0, scale: 0 };
export const EXACT_ONE: Exact = { units: 1, scale: 0 };

const POWERS: bigint[] = [1n];
function tenTo(n: number): bigint {
  while (POWERS.length <= n) POWERS.push(POWERS[POWERS.length - 1] * 10n);
  return POWERS[n];
}
/** Powers of ten as doubles: exact up to 10^22; beyond, Infinity sends a step to BigInt. */
const NUMBER_POWERS = Array.from({ length: 23 }, (_, n) => 10 ** n);
const numberTenTo = (n: number) => (n < NUMBER_POWERS.length ? NUMBER_POWERS[n] : Number.POSITIVE_INFINITY);
const safe = Number.isSafeInteger;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const big = (units: number | bigint): bigint => (typeof units === 'bigint' ? units : BigInt(units));
/** A BigInt result back to a Number when it fits, so the next steps are cheap again. */
function ofBig(units: bigint, scale: number): Exact {
  return units <= MAX_SAFE && units >= -MAX_SAFE ? { units: Number(units), scale } : { units, scale };
}

const FAST_PLACES = 9;
/**
 * Below 2^48 units of the last place, a double's ulp is under a tenth of that place: at most one
 * decimal of that many places reads back as it, and none of one place more ties with it in
 * significant digits, so it is the value of the shortest text (ECMAScript Number::toString).
 */
const FAST_LIMIT = 2 ** 48;

/**
 * A JSON number as the decimal its shortest text writes (as decimalOf reads it: 0.1 is exactly 0.1).
 * A RangeError for NaN and infinities.
 */
export function exactOf(value: number): Exact {
  // + 0: -0 is 0.
  if (safe(value)) return { units: value + 0, scale: 0 };
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  // The fewest decimal places whose decimal reads back as this double: the value of its shortest
  // text, without building the text (0.583333 h, 12.345 kWh).
  for (let places = 1; places <= FAST_PLACES; places++) {
    const units = Math.round(value * NUMBER_POWERS[places]);
    if (Math.abs(units) >= FAST_LIMIT) break;
    if (units / NUMBER_POWERS[places] === value) return { units: units + 0, scale: places };
  }
  let digits = String(value);
  let scale = 0;
  const e = digits.indexOf('e');
  if (e >= 0) {
    scale = -Number(digits.slice(e + 1));
    digits = digits.slice(0, e);
  }
  const point = digits.indexOf('.');
  if (point >= 0) {
    scale += digits.length - point - 1;
    digits = digits.slice(0, point) + digits.slice(point + 1);
  }
  const units = BigInt(digits);
  return scale >= 0 ? ofBig(units, scale) : ofBig(units * tenTo(-scale), 0);
}

/** An integer (Wh in a kWh, seconds in an hour) as an Exact. */
export function exactInteger(value: number): Exact {
  return safe(value) ? { units: value + 0, scale: 0 } : { units: BigInt(value), scale: 0 };
}

/** units x 10^places (places >= 0): a Number when it stays safe, else undefined. */
function scaledNumber(units: number, places: number): number | undefined {
  if (places === 0) return units;
  const scaled = units * numberTenTo(places);
  return safe(scaled) ? scaled : undefined;
}

/** a's and b's units over their common scale, as BigInts. */
function alignedBig(a: Exact, b: Exact): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [big(a.units) * tenTo(scale - a.scale), big(b.units) * tenTo(scale - b.scale), scale];
}

export function plus(a: Exact, b: Exact): Exact {
  const x = a.units;
  const y = b.units;
  if (typeof x === 'number' && typeof y === 'number') {
    const scale = Math.max(a.scale, b.scale);
    const left = scaledNumber(x, scale - a.scale);
    const right = scaledNumber(y, scale - b.scale);
    if (left !== undefined && right !== undefined) {
      const sum = left + right;
      if (safe(sum)) return { units: sum, scale };
    }
  }
  const [left, right, scale] = alignedBig(a, b);
  return ofBig(left + right, scale);
}

export function minus(a: Exact, b: Exact): Exact {
  return plus(a, negated(b));
}

function negated(a: Exact): Exact {
  const x = a.units;
  // 0 - x: never -0.
  return { units: typeof x === 'number' ? 0 - x : -x, scale: a.scale };
}

export function times(a: Exact, b: Exact): Exact {
  const x = a.units;
  const y = b.units;
  if (typeof x === 'number' && typeof y === 'number') {
    // + 0: -0 is 0.
    const product = x * y + 0;
    if (safe(product)) return { units: product, scale: a.scale + b.scale };
  }
  return ofBig(big(x) * big(y), a.scale + b.scale);
}

/** a x 10^places, for kWh to Wh (3) or a price per kWh to a price per Wh (-3). */
export function shifted(a: Exact, places: number): Exact {
  const scale = a.scale - places;
  if (scale >= 0) return { units: a.units, scale };
  const x = a.units;
  const units = typeof x === 'number' ? scaledNumber(x, -scale) : undefined;
  return units !== undefined ? { units, scale: 0 } : ofBig(big(x) * tenTo(-scale), 0);
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compare(a: Exact, b: Exact): number {
  const x = a.units;
  const y = b.units;
  if (typeof x === 'number' && typeof y === 'number') {
    const scale = Math.max(a.scale, b.scale);
    const left = scaledNumber(x, scale - a.scale);
    const right = scaledNumber(y, scale - b.scale);
    if (left !== undefined && right !== undefined) return left < right ? -1 : left > right ? 1 : 0;
  }
  const [left, right] = alignedBig(a, b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** -1, 0 or 1 as a is negative, zero or positive. */
export function sign(a: Exact): number {
  const x = a.units;
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

/** compare for a value that may be a quotient (with a divisor that is not zero). */
export function compareLevel(value: Exact | Quotient, bound: Exact): number {
  if (!('divisor' in value)) return compare(value, bound);
  return sign(value.divisor) * compare(value.dividend, times(bound, value.divisor));
}

export function isZero(a: Exact): boolean {
  return sign(a) === 0;
}

export function absolute(a: Exact): Exact {
  return sign(a) < 0 ? negated(a) : a;
}

/** To a whole number, half away from zero: OcpiDecimal's rounding (ROUND_HALF_UP). */
export function roundedToInteger(a: Exact): Exact {
  if (a.scale === 0) return a;
  const x = a.units;
  if (typeof x === 'number' && a.scale < NUMBER_POWERS.length) {
    const unit = NUMBER_POWERS[a.scale];
    // % is exact on doubles, and so is dividing an exact multiple.
    const rest = x % unit;
    const whole = (x - rest) / unit;
    const away = (rest < 0 ? -rest : rest) * 2 >= unit;
    return { units: (away ? whole + (x < 0 ? -1 : 1) : whole) + 0, scale: 0 };
  }
  const units = big(x);
  const unit = tenTo(a.scale);
  const whole = units / unit;
  const rest = units - whole * unit;
  const away = (rest < 0n ? -rest : rest) * 2n >= unit;
  return ofBig(away ? whole + (units < 0n ? -1n : 1n) : whole, 0);
}

/** What is left of a after whole steps: for a positive a and step, as OcpiDecimal's mod. */
export function remainder(a: Exact, step: Exact): Exact {
  const x = a.units;
  const y = step.units;
  if (typeof x === 'number' && typeof y === 'number') {
    const scale = Math.max(a.scale, step.scale);
    const left = scaledNumber(x, scale - a.scale);
    const right = scaledNumber(y, scale - step.scale);
    if (left !== undefined && right !== undefined) return { units: (left % right) + 0, scale };
  }
  const [left, right, scale] = alignedBig(a, step);
  return ofBig(left % right, scale);
}

// Read once: the model's re-exports are getters.
const Decimal = OcpiDecimal;

/** Up to 14 places the fraction takes two of decimal.js's words at most. */
const DIRECT_PLACES = 14;
const TENS = Array.from({ length: DIRECT_PLACES + 1 }, (_, n) => 10 ** n);
const WORD = 1e7;

/** The same value as an OcpiDecimal, for the result. */
export function toDecimal(a: Exact): OcpiDecimal {
  if (typeof a.units === 'number' && a.scale <= DIRECT_PLACES) return decimalOfSafe(a.units, a.scale);
  return new Decimal(`${a.units}e-${a.scale}`);
}

/**
 * units / 10^scale built as decimal.js builds it from text, without the text: the result's figures
 * were a third of the engine's time, most of it parsing. decimal.js keeps a sign `s`, the exponent
 * `e` of the first digit, and `d`: base 10^7 words aligned on the decimal point, no zero word first
 * or last (test/pricing/exact.test.ts compares every field with decimal.js's own).
 */
function decimalOfSafe(units: number, scale: number): OcpiDecimal {
  const x = new Decimal(0) as OcpiDecimal & { s: number; e: number; d: number[] };
  if (units === 0) return x;
  const v = units < 0 ? -units : units;
  const unit = TENS[scale];
  // % and a division of an exact multiple are exact on integers below 2^53.
  const fraction = v % unit;
  let whole = (v - fraction) / unit;
  const d: number[] = [];
  while (whole > 0) {
    const word = whole % WORD;
    d.push(word);
    whole = (whole - word) / WORD;
  }
  d.reverse();
  // Position of d[0]: 0 for the ones word, -1 for the first seven decimals.
  let top = d.length - 1;
  if (scale > 0) {
    let first: number;
    let second = 0;
    if (scale <= 7) first = fraction * TENS[7 - scale];
    else {
      const split = TENS[scale - 7];
      second = fraction % split;
      first = (fraction - second) / split;
      second *= TENS[14 - scale];
    }
    if (d.length > 0 || first !== 0) d.push(first);
    // The first seven decimals are zeros: d starts with the next seven.
    else top = -2;
    d.push(second);
  }
  while (d[d.length - 1] === 0) d.pop();
  let digits = 1;
  for (let word = d[0]; word >= 10; word /= 10) digits++;
  x.s = units < 0 ? -1 : 1;
  x.e = top * 7 + digits - 1;
  x.d = d;
  return x;
}

import Decimal from 'decimal.js';

/**
 * Amounts and quantities for arithmetic. OCPI carries them as JSON numbers; they become decimals
 * at the edge (`decimalOf`, `Money.of`) and never meet float arithmetic. 40 significant digits, so
 * sums and differences of OCPI values are exact and only `Money.rounded` ever rounds.
 */
export const OcpiDecimal = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
export type OcpiDecimal = Decimal;

/**
 * The one rounding rule for money: to the currency's minor unit, half away from zero (commercial
 * rounding, as on invoices). Nothing else in Roamledger rounds an amount.
 */
export const MONEY_ROUNDING = Decimal.ROUND_HALF_UP;

// ISO 4217 minor units that are not 2 (the default).
const MINOR_UNITS: Record<string, number> = {
  BHD: 3,
  BIF: 0,
  CLF: 4,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  PYG: 0,
  RWF: 0,
  TND: 3,
  UGX: 0,
  UYI: 0,
  UYW: 4,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
};

/** Decimal places of the currency's minor unit (2 unless ISO 4217 says otherwise). */
export function minorUnits(currency: string): number {
  return MINOR_UNITS[currency.toUpperCase()] ?? 2;
}

/**
 * A JSON number (or decimal text) as a decimal. `String(n)` is the shortest text that reads back
 * as the same double, i.e. the digits the sender wrote, so 0.1 stays exactly 0.1.
 */
export function decimalOf(value: number | string | Decimal): Decimal {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  // Decimals are immutable: one of ours is shared, not copied (others are copied to get our precision).
  if (value instanceof Decimal && value.constructor === OcpiDecimal) return value;
  return new OcpiDecimal(typeof value === 'number' ? String(value) : value);
}

/** Sum of decimals (0 for none). */
export function sumOf(values: Iterable<Decimal>): Decimal {
  let total = new OcpiDecimal(0);
  for (const value of values) total = total.plus(value);
  return total;
}

/** An amount in one currency. Operations on two amounts refuse different currencies. */
export class Money {
  private constructor(
    readonly amount: Decimal,
    readonly currency: string,
  ) {}

  static of(amount: number | string | Decimal, currency: string): Money {
    return new Money(decimalOf(amount), currency.toUpperCase());
  }

  static zero(currency: string): Money {
    return Money.of(0, currency);
  }

  plus(other: Money): Money {
    return new Money(this.amount.plus(this.same(other).amount), this.currency);
  }

  minus(other: Money): Money {
    return new Money(this.amount.minus(this.same(other).amount), this.currency);
  }

  negated(): Money {
    return new Money(this.amount.negated(), this.currency);
  }

  /** Rounded by the one rule (MONEY_ROUNDING, to the minor unit). */
  rounded(): Money {
    return new Money(this.amount.toDecimalPlaces(minorUnits(this.currency), MONEY_ROUNDING), this.currency);
  }

  /** Equal once both are rounded to the minor unit: 4.4 EUR equals 4.40 EUR and 4.404 EUR. */
  equals(other: Money): boolean {
    return this.rounded().amount.equals(this.same(other).rounded().amount);
  }

  /** Fixed to the minor unit, e.g. "4.40": how amounts are written in events and reports. */
  toString(): string {
    return this.amount.toFixed(minorUnits(this.currency), MONEY_ROUNDING);
  }

  toJSON(): string {
    return this.toString();
  }

  /** Back to a JSON number for an OCPI DTO (the only place an amount becomes a float again). */
  toOcpiNumber(): number {
    return Number(this.toString());
  }

  private same(other: Money): Money {
    if (other.currency !== this.currency) throw new RangeError(`cannot combine ${this.currency} with ${other.currency}`);
    return other;
  }
}

/** An OCPI Price (excl_vat, optional incl_vat) as Money. */
export interface PriceAmounts {
  exclVat: Money;
  inclVat?: Money;
}

export function priceOf(price: { excl_vat: number; incl_vat?: number }, currency: string): PriceAmounts {
  return {
    exclVat: Money.of(price.excl_vat, currency),
    ...(price.incl_vat !== undefined && price.incl_vat !== null ? { inclVat: Money.of(price.incl_vat, currency) } : {}),
  };
}

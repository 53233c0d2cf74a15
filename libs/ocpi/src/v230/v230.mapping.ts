import type { ClassConstructor } from 'class-transformer';
import type { Price } from '../dto/common.dto';
import type { Tariff } from '../dto/tariffs.dto';
import { decimalOf, sumOf } from '../money';
import { validateOcpi } from '../validation/validate';
import { Price230, PriceLimit230, type TaxAmount230 } from './v230.dto';

/**
 * 2.3.0 bodies to the model's shape and back, before the model's own validation: each price
 * becomes excl_vat (before taxes) and incl_vat (before taxes plus every tax, in decimals), each
 * tariff limit excl_vat/incl_vat. The named taxes themselves are kept in the raw request of the
 * log. The rest of a 2.3.0 Session or CDR is the model's.
 */

export const SESSION_PRICE_FIELDS_230 = ['total_cost'] as const;
export const CDR_PRICE_FIELDS_230 = [
  'total_cost',
  'total_fixed_cost',
  'total_energy_cost',
  'total_time_cost',
  'total_parking_cost',
  'total_reservation_cost',
] as const;

export type From230 = { ok: true; body: unknown } | { ok: false; errors: string[] };

function convert<W extends object, M>(
  cls: ClassConstructor<W>,
  value: unknown,
  path: string,
  map: (wire: W) => M,
  errors: string[],
): M | undefined {
  const checked = validateOcpi(cls, value);
  if (checked.ok) return map(checked.value);
  errors.push(...checked.errors.map((error) => `${path}.${error}`));
  return undefined;
}

/** A 2.3.0 Tariff's min_price/max_price (PriceLimit) as the model's Price; `path` prefixes errors. */
function limitsFrom230(tariff: unknown, path: string, errors: string[]): unknown {
  if (!tariff || typeof tariff !== 'object' || Array.isArray(tariff)) return tariff;
  const copy: Record<string, unknown> = { ...(tariff as Record<string, unknown>) };
  for (const limit of ['min_price', 'max_price']) {
    if (copy[limit] === undefined || copy[limit] === null) continue;
    copy[limit] = convert(
      PriceLimit230,
      copy[limit],
      `${path}${limit}`,
      (wire): Price => ({
        excl_vat: wire.before_taxes,
        ...(wire.after_taxes !== undefined ? { incl_vat: wire.after_taxes } : {}),
      }),
      errors,
    );
  }
  return copy;
}

/** A 2.3.0 Tariff body with its limits in the model's shape (then validated as Tariff230). */
export function tariffFrom230(body: unknown): From230 {
  const errors: string[] = [];
  const mapped = limitsFrom230(body, '', errors);
  return errors.length ? { ok: false, errors } : { ok: true, body: mapped };
}

/**
 * A model Tariff as 2.3.0 has it (GET): limits as PriceLimit; tax_included as the CPO sent it, or
 * for a tariff pushed in 2.2.1, NO when a component names a VAT (added on top) and N/A otherwise.
 */
export function tariffTo230(tariff: Tariff): Record<string, unknown> {
  const mapped = { ...tariff } as Record<string, unknown>;
  for (const limit of ['min_price', 'max_price'] as const) {
    const price = tariff[limit];
    if (price)
      mapped[limit] = { before_taxes: price.excl_vat, ...(price.incl_vat !== undefined ? { after_taxes: price.incl_vat } : {}) };
  }
  if (mapped.tax_included === undefined) {
    const vat = tariff.elements.some((element) => element.price_components.some((component) => component.vat !== undefined));
    mapped.tax_included = vat ? 'NO' : 'N/A';
  }
  return mapped;
}

/** A model Price that came in 2.3.0: its named taxes are kept beside excl_vat and incl_vat. */
export type PriceWithTaxes = Price & { taxes?: TaxAmount230[] };

function priceFrom230(price: Price230): PriceWithTaxes {
  if (!price.taxes?.length) return { excl_vat: price.before_taxes };
  const taxes = sumOf(price.taxes.map((tax) => decimalOf(tax.amount)));
  return {
    excl_vat: price.before_taxes,
    incl_vat: decimalOf(price.before_taxes).plus(taxes).toNumber(),
    taxes: price.taxes.map((tax) => ({ ...tax })),
  };
}

/** A 2.3.0 Session body (or PATCH) with its prices in the model's shape. */
export const sessionFrom230 = (body: unknown): From230 => bodyFrom230(body, SESSION_PRICE_FIELDS_230);

/** A 2.3.0 CDR body with its prices, and its tariffs' limits, in the model's shape. */
export const cdrFrom230 = (body: unknown): From230 => bodyFrom230(body, CDR_PRICE_FIELDS_230);

/** A 2.3.0 Session or CDR body (or PATCH) with its prices, and its tariffs' limits, in the model's shape. */
export function bodyFrom230(body: unknown, priceFields: readonly string[]): From230 {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: true, body };
  const source = body as Record<string, unknown>;
  const mapped: Record<string, unknown> = { ...source };
  const errors: string[] = [];
  for (const field of priceFields) {
    if (source[field] === undefined || source[field] === null) continue;
    mapped[field] = convert(Price230, source[field], field, priceFrom230, errors);
  }
  if (Array.isArray(source.tariffs)) {
    mapped.tariffs = source.tariffs.map((tariff, index) => limitsFrom230(tariff, `tariffs[${index}].`, errors));
  }
  return errors.length ? { ok: false, errors } : { ok: true, body: mapped };
}

/**
 * The model's price as 2.3.0 has it: the taxes it came with in 2.3.0, else what lies between
 * excl_vat and incl_vat as one tax named VAT.
 */
export function priceTo230(price: PriceWithTaxes): Price230 {
  if (price.taxes?.length) return { before_taxes: price.excl_vat, taxes: price.taxes };
  if (price.incl_vat === undefined) return { before_taxes: price.excl_vat };
  const tax = decimalOf(price.incl_vat).minus(decimalOf(price.excl_vat)).toNumber();
  return { before_taxes: price.excl_vat, taxes: [{ name: 'VAT', amount: tax }] };
}

/** A model Session or CDR as 2.3.0 has it (GET): prices with taxes, a CDR's tariffs with PriceLimits. */
export function objectTo230<T extends object>(object: T, priceFields: readonly string[]): Record<string, unknown> {
  const mapped = { ...object } as Record<string, unknown>;
  for (const field of priceFields) {
    const price = mapped[field] as Price | undefined;
    if (price) mapped[field] = priceTo230(price);
  }
  if (Array.isArray(mapped.tariffs)) mapped.tariffs = (mapped.tariffs as Tariff[]).map(tariffTo230);
  return mapped;
}

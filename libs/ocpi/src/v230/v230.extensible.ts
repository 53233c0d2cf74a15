import type { ClassConstructor } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import { OCPI_NUMBER_LIMIT } from '../validation/decorators';
import { type OcpiValidationResult, validateOcpi, validateOcpiPatch } from '../validation/validate';

/**
 * 2.3.0 is extensible (transport_and_format "Non-specified JSON fields"): a field the spec does not
 * document SHALL NOT make a payload refused. The model's validation already ignores such fields,
 * but drops them; on the 2.3.0 routes they are kept with the object, as sent, at whatever depth
 * (a Location's, an EVSE's, a Parking's...), so the log, the catalog and a GET give them back.
 * Their numbers obey the one rule every OCPI number here obeys (±1e12).
 */

type DtoClass = abstract new (...args: never[]) => object;

const declared = new Map<DtoClass, ReadonlySet<string>>();

/** The fields a class (and the classes it extends) declares rules for. */
function declaredFields(cls: DtoClass): ReadonlySet<string> {
  let fields = declared.get(cls);
  if (!fields) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
    fields = new Set(metadata.map((rule) => rule.propertyName));
    declared.set(cls, fields);
  }
  return fields;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Numbers beyond the limit anywhere in a kept value, by path. */
function numberErrors(value: unknown, path: string): string[] {
  if (typeof value === 'number') {
    return Math.abs(value) <= OCPI_NUMBER_LIMIT ? [] : [`${path} must lie between -1e12 and 1e12`];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => numberErrors(item, `${path}[${index}]`));
  if (isRecord(value)) return Object.entries(value).flatMap(([key, item]) => numberErrors(item, `${path}.${key}`));
  return [];
}

/** Copies onto the validated `value` every field of `sent` its class does not declare; returns errors. */
function keepUndeclared(value: unknown, sent: unknown, path: string): string[] {
  if (Array.isArray(value) && Array.isArray(sent)) {
    return value.flatMap((item, index) => keepUndeclared(item, sent[index], `${path}[${index}]`));
  }
  if (!isRecord(value) || !isRecord(sent) || value.constructor === Object) return [];
  const fields = declaredFields(value.constructor as DtoClass);
  const errors: string[] = [];
  for (const [key, field] of Object.entries(sent)) {
    // JSON may name it; as a field it would set the object's prototype.
    if (key === '__proto__') continue;
    const at = path ? `${path}.${key}` : key;
    if (!fields.has(key)) {
      errors.push(...numberErrors(field, at));
      value[key] = field;
    } else if (value[key] !== undefined) {
      errors.push(...keepUndeclared(value[key], field, at));
    }
  }
  return errors;
}

function keeping<T>(result: OcpiValidationResult<T>, sent: unknown): OcpiValidationResult<T> {
  if (!result.ok) return result;
  const errors = keepUndeclared(result.value, sent, '');
  return errors.length ? { ok: false, errors } : result;
}

/** A 2.3.0 object validated as its 2.3.0 class, with every field the spec does not document kept. */
export function validate230<T extends object>(cls: ClassConstructor<T>, sent: unknown): OcpiValidationResult<T> {
  return keeping(validateOcpi(cls, sent), sent);
}

/** A 2.3.0 PATCH body validated as its 2.3.0 class (see validateOcpiPatch), undocumented fields kept. */
export function validate230Patch<T extends object>(
  cls: ClassConstructor<T>,
  sent: unknown,
  alwaysRequired?: readonly string[],
): OcpiValidationResult<Partial<T>> {
  return keeping(validateOcpiPatch(cls, sent, alwaysRequired), sent);
}

/**
 * How an object pulled from a 2.3.0 Sender is read: as a push on a 2.3.0 route is (`mapping` maps
 * its prices, then validate230 against its 2.3.0 class).
 */
export function reader230<T extends object>(
  cls: ClassConstructor<T>,
  mapping?: (sent: unknown) => { ok: true; body: unknown } | { ok: false; errors: string[] },
): (sent: unknown) => OcpiValidationResult<T> {
  return (sent) => {
    const mapped = mapping ? mapping(sent) : { ok: true as const, body: sent };
    return mapped.ok ? validate230(cls, mapped.body) : mapped;
  };
}

import { type ClassConstructor, plainToInstance } from 'class-transformer';
import { type ValidationError, type ValidatorOptions, validateSync } from 'class-validator';
import { rulesHold } from './rules-hold';
import { rememberValidationRules } from './validation-rules';

rememberValidationRules();

export type OcpiValidationResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

// Unknown members are stripped from the returned value but never rejected: OCPI peers may send
// fields from newer versions or custom extensions.
const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: false,
  forbidUnknownValues: true,
  validationError: { target: false, value: true },
};

/**
 * Validates a parsed JSON value (a request body, or the `data` of a response) as an instance of
 * `cls`. On success `value` is a `cls` instance holding only the spec's fields; on failure each
 * error names the field by its path, e.g. `evses[0].connectors[1].standard must be one of ...`.
 */
export function validateOcpi<T extends object>(cls: ClassConstructor<T>, plain: unknown): OcpiValidationResult<T> {
  if (!isJsonObject(plain)) return { ok: false, errors: ['value must be a JSON object'] };
  const instance = plainToInstance(cls, plain);
  const errors = describeErrors(validationErrors(instance, VALIDATOR_OPTIONS));
  return errors.length === 0 ? { ok: true, value: withoutAbsent(instance) } : { ok: false, errors };
}

/** Validates a list of objects (the `data` of a paginated GET); errors start with `[index]`. */
export function validateOcpiList<T extends object>(cls: ClassConstructor<T>, plain: unknown): OcpiValidationResult<T[]> {
  if (!Array.isArray(plain)) return { ok: false, errors: ['value must be a JSON array'] };
  const values: T[] = [];
  const errors: string[] = [];
  plain.forEach((item, index) => {
    if (!isJsonObject(item)) {
      errors.push(`[${index}] must be a JSON object`);
      return;
    }
    const result = validateOcpi(cls, item);
    if (result.ok) values.push(result.value);
    else errors.push(...result.errors.map((error) => `[${index}].${error}`));
  });
  return errors.length === 0 ? { ok: true, value: values } : { ok: false, errors };
}

/**
 * Validates a PATCH body: top-level fields may be left out, but every field that is present must
 * be valid and complete. Nested objects are not partial: a PATCH replaces a field's whole value
 * (mod_sessions: PATCH "works on the entire Session object only"), so a given `total_cost` still
 * needs `excl_vat`. That is why this filters top-level errors instead of using class-validator's
 * `skipMissingProperties`, which would also let incomplete nested objects through.
 *
 * `alwaysRequired` lists fields a PATCH must carry even so: Locations, Sessions and Tokens say
 * "Any request to the PATCH method SHALL contain the `last_updated` field". A field the class does
 * not declare is never reported.
 */
export function validateOcpiPatch<T extends object>(
  cls: ClassConstructor<T>,
  plain: unknown,
  alwaysRequired: readonly string[] = ['last_updated'],
): OcpiValidationResult<Partial<T>> {
  if (!isJsonObject(plain)) return { ok: false, errors: ['value must be a JSON object'] };
  const instance = plainToInstance(cls, plain);
  const present = (property: string) => Object.hasOwn(plain, property) && plain[property] !== undefined;
  // The busiest PATCHes (an EVSE status, a session's kwh) carry a few flat values and last_updated.
  // For those, class-validator skips the absent fields instead of reporting each one for the
  // filter below to drop (a session PATCH: 14 µs instead of 31); the same rules run on each given
  // value. A null, a nested object or a missing last_updated takes the full path, whose messages
  // it needs.
  const flat = Object.values(plain).every((value) => value === undefined || isFlatValue(value));
  if (flat && alwaysRequired.every(present)) {
    const errors = describeErrors(validationErrors(instance, { ...VALIDATOR_OPTIONS, skipMissingProperties: true }));
    return errors.length === 0 ? { ok: true, value: withoutAbsent(instance) } : { ok: false, errors };
  }
  const relevant = validationErrors(instance, VALIDATOR_OPTIONS).filter(
    (error) => present(error.property) || alwaysRequired.includes(error.property),
  );
  const errors = describeErrors(relevant);
  return errors.length === 0 ? { ok: true, value: withoutAbsent(instance) } : { ok: false, errors };
}

/**
 * class-validator's errors for `instance` under VALIDATOR_OPTIONS (and skipMissingProperties as
 * given). A valid object is told apart without its error tree (rulesHold); a refusal's messages,
 * and any object rulesHold cannot walk, are class-validator's own.
 */
function validationErrors(instance: object, options: ValidatorOptions): ValidationError[] {
  const holds = rulesHold(instance, { skipMissingProperties: options.skipMissingProperties === true });
  return holds === true ? [] : validateSync(instance, options);
}

function isFlatValue(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Class fields compile to own properties set to `undefined` (ES2022 class fields), so an instance
 * would list every absent field as a key. Drop them: a PATCH value must only hold what was sent,
 * or applying it field by field would erase the rest. A `null` that passed validation is an
 * optional field sent as null: absent too, so it is never answered as null (the OpenAPI types such
 * fields as strings, not nullable).
 */
function withoutAbsent<T>(value: T): T {
  if (Array.isArray(value)) {
    for (const item of value) withoutAbsent(item);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (record[key] === undefined || record[key] === null) delete record[key];
      else withoutAbsent(record[key]);
    }
  }
  return value;
}

// Constraints whose own message explains why a missing field is required (conditional rules).
const REASONED_CONSTRAINTS = ['isDefined', 'isNotEmptyWhen'];
// When the value has the wrong JSON type, its length/pattern/range messages are only noise.
const TYPE_CONSTRAINTS = ['isString', 'isNumber', 'isInt', 'isBoolean', 'isObject', 'isArray'];

/** Flattens class-validator's error tree into one message per failed rule, named by dotted path. */
function describeErrors(errors: ValidationError[], parentPath = ''): string[] {
  return errors.flatMap((error) => {
    const path = /^\d+$/.test(error.property) ? `${parentPath}[${error.property}]` : joinPath(parentPath, error.property);
    const own = error.constraints ? describeConstraints(error, path, error.constraints) : [];
    return [...own, ...describeErrors(error.children ?? [], path)];
  });
}

function joinPath(parentPath: string, property: string): string {
  return parentPath ? `${parentPath}.${property}` : property;
}

function describeConstraints(error: ValidationError, path: string, constraints: Record<string, string>): string[] {
  if (error.value === undefined || error.value === null) {
    const reasons = REASONED_CONSTRAINTS.filter((name) => name in constraints).map((name) => constraints[name]);
    if (reasons.length > 0) return reasons.map((message) => renamed(message, error.property, path));
    return [error.value === undefined ? `${path} is required` : `${path} must not be null`];
  }
  const wrongType = TYPE_CONSTRAINTS.some((name) => name in constraints);
  return Object.entries(constraints)
    .filter(([name]) => !wrongType || TYPE_CONSTRAINTS.includes(name))
    .map(([name, message]) =>
      name === 'nestedValidation' ? `${path} must be an object` : renamed(message, error.property, path),
    );
}

/** class-validator messages name the bare property; swap in the full path (or prefix it). */
function renamed(message: string, property: string, path: string): string {
  if (property === path) return message;
  const bare = new RegExp(`(^|\\s)${property.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=\\s|$)`);
  return bare.test(message) ? message.replace(bare, `$1${path}`) : `${path}: ${message}`;
}

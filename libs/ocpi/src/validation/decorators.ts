// class-transformer's @Type reads design:type metadata when the decorator is applied.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsEnum,
  IsNumber,
  IsObject,
  IsString,
  IsUrl,
  Length,
  Matches,
  registerDecorator,
  ValidateNested,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';

/**
 * Composite decorators for the OCPI primitive types (types.asciidoc), so a DTO field reads like
 * the spec table: `@IsCiString(36) id`, `@IsOcpiString(255) name`, `@IsOcpiUrl() url`.
 */

function applyDecorators(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target: object, propertyKey: string | symbol) => {
    for (const decorator of decorators) decorator(target, propertyKey);
  };
}

export interface OcpiStringOptions {
  /** The spec length is exact (ISO codes), not a maximum. */
  exact?: boolean;
  /** The property is a list of such strings. */
  each?: boolean;
}

// CiString: printable ASCII only. string: printable UTF-8, i.e. no control characters (tabs,
// line breaks, DEL, C1). Lengths count characters, not bytes.
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;
const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;

function messageFor(each: boolean | undefined, rule: string): string {
  return each ? `each value in $property ${rule}` : `$property ${rule}`;
}

function lengthRule(length: number, { exact, each }: OcpiStringOptions): PropertyDecorator {
  return exact
    ? Length(length, length, { each, message: messageFor(each, `must be exactly ${length} characters`) })
    : Length(0, length, { each, message: messageFor(each, `must be at most ${length} characters`) });
}

/** CiString(n): case-insensitive, printable ASCII, at most (or exactly) n characters. */
export function IsCiString(length: number, options: OcpiStringOptions = {}): PropertyDecorator {
  const { each } = options;
  return applyDecorators(
    IsString({ each, message: messageFor(each, 'must be a string') }),
    lengthRule(length, options),
    Matches(PRINTABLE_ASCII, { each, message: messageFor(each, 'must contain printable ASCII characters only') }),
  );
}

/** string(n): case-sensitive, printable UTF-8, at most (or exactly) n characters. */
export function IsOcpiString(length: number, options: OcpiStringOptions = {}): PropertyDecorator {
  const { each } = options;
  return applyDecorators(
    IsString({ each, message: messageFor(each, 'must be a string') }),
    lengthRule(length, options),
    Matches(NO_CONTROL_CHARACTERS, { each, message: messageFor(each, 'must not contain control characters') }),
  );
}

/** ISO-3166 alpha-2 country code of a party: CiString(2), always two characters. */
export function IsCountryCode(): PropertyDecorator {
  return IsCiString(2, { exact: true });
}

/** Party ID following ISO-15118: CiString(3), always three characters. */
export function IsPartyId(): PropertyDecorator {
  return IsCiString(3, { exact: true });
}

/** URL type: string(255), an absolute http(s) URL. Hosts without a TLD (localhost) are allowed. */
export function IsOcpiUrl(): PropertyDecorator {
  return applyDecorators(
    IsOcpiString(255),
    IsUrl(
      { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true },
      { message: '$property must be an absolute http(s) URL' },
    ),
  );
}

/** Local time of day, 24h with leading zeros ("18:15"): RegularHours and TariffRestrictions. */
export function IsHourMinute(): PropertyDecorator {
  return applyDecorators(
    IsOcpiString(5),
    Matches(/^([0-1][0-9]|2[0-3]):[0-5][0-9]$/, { message: '$property must be a 24h time with leading zeros, e.g. 18:15' }),
  );
}

/**
 * The largest magnitude an OCPI number may have here: 10^12 (a trillion kWh, hours or currency
 * units) is far beyond any real session, and well within what the ledger's numeric columns, decimal.js
 * and the digests of `audit replay` agree on (1e308 once made replay differ).
 */
export const OCPI_NUMBER_LIMIT = 1e12;

/** number: a JSON number (decimals included), never a numeric string, within ±OCPI_NUMBER_LIMIT. */
export function IsOcpiNumber(options: { maxDecimalPlaces?: number } = {}): PropertyDecorator {
  const { maxDecimalPlaces } = options;
  const rule = maxDecimalPlaces === undefined ? 'a number' : `a number with at most ${maxDecimalPlaces} decimal(s)`;
  return applyDecorators(
    IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces }, { message: `$property must be ${rule}` }),
    withinOcpiNumberLimit(),
  );
}

/** Only judges numbers (IsNumber reports anything else), so a wrong type gets one message. */
function withinOcpiNumberLimit(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'withinOcpiNumberLimit',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must lie between -1e12 and 1e12` },
      validator: { validate: (value: unknown) => typeof value !== 'number' || Math.abs(value) <= OCPI_NUMBER_LIMIT },
    });
  };
}

/** A nested OCPI object (cardinality 1 or ?). IsObject stops a list from passing as one object. */
export function IsNestedObject(type: () => new () => object): PropertyDecorator {
  return applyDecorators(IsObject({ message: '$property must be an object' }), ValidateNested(), Type(type));
}

/**
 * A list of nested OCPI objects: cardinality `*`, or `+` with `{ minSize: 1 }`. The per-element
 * IsObject keeps a list of lists from being validated element by element as if it were flat.
 */
export function IsNestedArray(type: () => new () => object, { minSize = 0 } = {}): PropertyDecorator {
  const decorators = [
    IsArray({ message: '$property must be a list' }),
    IsObject({ each: true, message: 'each value in $property must be an object' }),
    ValidateNested({ each: true }),
    Type(type),
  ];
  if (minSize > 0) decorators.push(ArrayMinSize(minSize, { message: `$property must contain at least ${minSize} element(s)` }));
  return applyDecorators(...decorators);
}

/** A list of enum values (capabilities, facilities, day_of_week...). */
export function IsEnumArray(entity: object): PropertyDecorator {
  return applyDecorators(IsArray({ message: '$property must be a list' }), IsEnum(entity, { each: true }));
}

/** A list of CiStrings (tariff_ids, evse_uids). */
export function IsCiStringArray(length: number): PropertyDecorator {
  return applyDecorators(IsArray({ message: '$property must be a list' }), IsCiString(length, { each: true }));
}

/**
 * Fails when `condition(object)` holds and the list is empty. Pair it with a ValidateIf that also
 * fires on the same condition, or an absent list is never looked at.
 */
export function IsNotEmptyWhen<T>(condition: (object: T) => boolean, options: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isNotEmptyWhen',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          !condition(args.object as T) || (Array.isArray(value) && value.length > 0),
      },
    });
  };
}

import { Transform } from 'class-transformer';
import { registerDecorator, type ValidationOptions } from 'class-validator';
import { isOcpiDateTime, normalizeOcpiDateTime, OCPI_DATETIME_MAX_LENGTH } from '../datetime';

/** Validates an OCPI DateTime and, once valid, keeps it in the normalized UTC form. */
export function IsOcpiDateTime(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    Transform(({ value }) => (isOcpiDateTime(value) ? normalizeOcpiDateTime(value) : value))(target, propertyName);
    registerDecorator({
      name: 'isOcpiDateTime',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `$property must be an RFC 3339 DateTime of at most ${OCPI_DATETIME_MAX_LENGTH} characters between years 0001 and 9999 (UTC), e.g. 2015-06-29T20:39:09Z`,
        ...options,
      },
      validator: { validate: (value: unknown) => isOcpiDateTime(value) },
    });
  };
}

import { registerDecorator, type ValidationOptions } from 'class-validator';
import { isOcpiDateTime, OCPI_DATETIME_MAX_LENGTH } from '../datetime';

export function IsOcpiDateTime(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isOcpiDateTime',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `$property must be an RFC 3339 DateTime of at most ${OCPI_DATETIME_MAX_LENGTH} characters, e.g. 2015-06-29T20:39:09Z`,
        ...options,
      },
      validator: { validate: (value: unknown) => isOcpiDateTime(value) },
    });
  };
}

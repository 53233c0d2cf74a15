import { Allow, IsInt, IsOptional, IsString } from 'class-validator';
import { IsOcpiDateTime } from '../validation/datetime';
import { IsOcpiNumber, IsOcpiString } from '../validation/decorators';

/** Classes of types.asciidoc and the response envelope of transport_and_format.asciidoc. */

export class DisplayText {
  /** ISO 639-1 language code. */
  @IsOcpiString(2, { exact: true })
  language: string;

  @IsOcpiString(512)
  text: string;
}

/** An amount of money. Validated only: costs are never computed from these JSON numbers. */
export class Price {
  @IsOcpiNumber()
  excl_vat: number;

  @IsOptional()
  @IsOcpiNumber()
  incl_vat?: number;
}

/**
 * The envelope of every OCPI response. `data` is whatever the request returns (object, list or
 * absent), so it is kept as is; validate it separately against its own class.
 */
export class OcpiResponseEnvelope<T = unknown> {
  @Allow()
  data?: T;

  @IsInt()
  status_code: number;

  @IsOptional()
  @IsString()
  status_message?: string;

  @IsOcpiDateTime()
  timestamp: string;
}

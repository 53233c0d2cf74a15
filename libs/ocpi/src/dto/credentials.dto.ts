import { IsEnum, IsOptional, Matches } from 'class-validator';
import {
  IsCiString,
  IsCountryCode,
  IsNestedArray,
  IsNestedObject,
  IsOcpiString,
  IsOcpiUrl,
  IsPartyId,
} from '../validation/decorators';
import { Role } from './enums';
import { BusinessDetails } from './locations.dto';

/** Classes of credentials.asciidoc. */

export class CredentialsRole {
  @IsEnum(Role)
  role: Role;

  @IsNestedObject(() => BusinessDetails)
  business_details: BusinessDetails;

  @IsPartyId()
  party_id: string;

  @IsCountryCode()
  country_code: string;
}

export class Credentials {
  /** Printable ASCII without whitespace (U+0021 to U+007E), as the spec requires of tokens. */
  @IsOcpiString(64)
  @Matches(/^[\x21-\x7E]*$/, { message: '$property must contain printable ASCII without whitespace only' })
  token: string;

  /** The party's versions endpoint. */
  @IsOcpiUrl()
  url: string;

  /**
   * 2.3.0: a hub platform's own party, country code and party id in one CiString(5) (`roles` then
   * lists the parties reached through it). Letters and digits, as a country code and party id are.
   */
  @IsOptional()
  @IsCiString(5, { exact: true })
  @Matches(/^[A-Za-z0-9]{5}$/, { message: '$property must be 5 letters or digits (country code and party id)' })
  hub_party_id?: string;

  @IsNestedArray(() => CredentialsRole, { minSize: 1 })
  roles: CredentialsRole[];
}

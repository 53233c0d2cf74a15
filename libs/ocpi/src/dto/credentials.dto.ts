import { IsEnum, Matches } from 'class-validator';
import { IsCountryCode, IsNestedArray, IsNestedObject, IsOcpiString, IsOcpiUrl, IsPartyId } from '../validation/decorators';
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

  @IsNestedArray(() => CredentialsRole, { minSize: 1 })
  roles: CredentialsRole[];
}

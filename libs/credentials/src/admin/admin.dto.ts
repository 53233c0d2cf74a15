import { IsOcpiUrl, Role } from '@roamledger/ocpi';
import { ArrayMinSize, IsArray, IsBoolean, IsEnum, IsString, Length, Matches } from 'class-validator';

/** POST /admin/partners */
export class InvitePartnerRequest {
  @IsString()
  @Length(1, 100)
  name: string;

  @IsString()
  @Matches(/^[A-Za-z]{2}$/, { message: 'country_code must be an ISO 3166 alpha-2 code, e.g. DE' })
  country_code: string;

  @IsString()
  @Matches(/^[A-Za-z0-9]{3}$/, { message: 'party_id must be 3 letters or digits, e.g. ABC' })
  party_id: string;

  @IsArray()
  @ArrayMinSize(1)
  @IsEnum(Role, { each: true })
  roles: Role[];
}

/** POST /admin/partners/connect */
export class ConnectPartnerRequest {
  @IsOcpiUrl()
  versions_url: string;

  @IsString()
  @Length(1, 64)
  @Matches(/^[\x21-\x7E]+$/, { message: 'token_a must be printable ASCII without whitespace' })
  token_a: string;
}

/** PATCH /admin/partners/:id */
export class UpdatePartnerRequest {
  @IsBoolean()
  allow_plain_token: boolean;
}

import { IsBoolean, IsEnum, IsOptional } from 'class-validator';
import { IsOcpiDateTime } from '../validation/datetime';
import { IsCiString, IsCiStringArray, IsCountryCode, IsNestedObject, IsOcpiString, IsPartyId } from '../validation/decorators';
import { DisplayText } from './common.dto';
import { AllowedType, ProfileType, TokenType, WhitelistType } from './enums';

/** Classes of mod_tokens.asciidoc. */

export class EnergyContract {
  @IsOcpiString(64)
  supplier_name: string;

  @IsOptional()
  @IsOcpiString(64)
  contract_id?: string;
}

export class Token {
  @IsCountryCode()
  country_code: string;

  @IsPartyId()
  party_id: string;

  /** Unique together with `type`. */
  @IsCiString(36)
  uid: string;

  @IsEnum(TokenType)
  type: TokenType;

  /** eMA ID of the driver's contract. */
  @IsCiString(36)
  contract_id: string;

  @IsOptional()
  @IsOcpiString(64)
  visual_number?: string;

  @IsOcpiString(64)
  issuer: string;

  @IsOptional()
  @IsCiString(36)
  group_id?: string;

  @IsBoolean()
  valid: boolean;

  @IsEnum(WhitelistType)
  whitelist: WhitelistType;

  /** ISO 639-1. */
  @IsOptional()
  @IsOcpiString(2, { exact: true })
  language?: string;

  @IsOptional()
  @IsEnum(ProfileType)
  default_profile_type?: ProfileType;

  @IsOptional()
  @IsNestedObject(() => EnergyContract)
  energy_contract?: EnergyContract;

  @IsOcpiDateTime()
  last_updated: string;
}

/** Body of a real-time authorization request (POST tokens/{uid}/authorize). */
export class LocationReferences {
  @IsCiString(36)
  location_id: string;

  @IsOptional()
  @IsCiStringArray(36)
  evse_uids?: string[];
}

export class AuthorizationInfo {
  @IsEnum(AllowedType)
  allowed: AllowedType;

  @IsNestedObject(() => Token)
  token: Token;

  @IsOptional()
  @IsNestedObject(() => LocationReferences)
  location?: LocationReferences;

  @IsOptional()
  @IsCiString(36)
  authorization_reference?: string;

  @IsOptional()
  @IsNestedObject(() => DisplayText)
  info?: DisplayText;
}

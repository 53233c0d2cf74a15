import { IsBoolean, IsDefined, IsEnum, IsInt, IsOptional, ValidateIf } from 'class-validator';
import { IsOcpiDateTime } from '../validation/datetime';
import {
  IsCiString,
  IsCountryCode,
  IsNestedArray,
  IsNestedObject,
  IsOcpiNumber,
  IsOcpiString,
  IsPartyId,
} from '../validation/decorators';
import { Price } from './common.dto';
import { AuthMethod, CdrDimensionType, ConnectorFormat, ConnectorType, PowerType, TokenType } from './enums';
import { GeoLocation } from './locations.dto';
import { Tariff } from './tariffs.dto';

/** Classes of mod_cdrs.asciidoc (CdrToken, ChargingPeriod and CdrDimension are shared with Sessions). */

export class CdrToken {
  @IsCountryCode()
  country_code: string;

  @IsPartyId()
  party_id: string;

  @IsCiString(36)
  uid: string;

  @IsEnum(TokenType)
  type: TokenType;

  @IsCiString(36)
  contract_id: string;
}

export class CdrDimension {
  @IsEnum(CdrDimensionType)
  type: CdrDimensionType;

  /** In the unit of the dimension type (kWh, A, kW, hours, %). */
  @IsOcpiNumber()
  volume: number;
}

export class ChargingPeriod {
  /** The period ends where the next one starts, the last one when the session ends. */
  @IsOcpiDateTime()
  start_date_time: string;

  @IsNestedArray(() => CdrDimension, { minSize: 1 })
  dimensions: CdrDimension[];

  @IsOptional()
  @IsCiString(36)
  tariff_id?: string;
}

/**
 * The Location as it was at the start of the session, reduced to the EVSE and Connector used.
 * For a reservation that never became a session, evse_id and connector_id may be `#NA`.
 */
export class CdrLocation {
  @IsCiString(36)
  id: string;

  @IsOptional()
  @IsOcpiString(255)
  name?: string;

  @IsOcpiString(45)
  address: string;

  @IsOcpiString(45)
  city: string;

  @IsOptional()
  @IsOcpiString(10)
  postal_code?: string;

  @IsOptional()
  @IsOcpiString(20)
  state?: string;

  /** ISO 3166-1 alpha-3. */
  @IsOcpiString(3, { exact: true })
  country: string;

  @IsNestedObject(() => GeoLocation)
  coordinates: GeoLocation;

  @IsCiString(36)
  evse_uid: string;

  @IsCiString(48)
  evse_id: string;

  @IsCiString(36)
  connector_id: string;

  @IsEnum(ConnectorType)
  connector_standard: ConnectorType;

  @IsEnum(ConnectorFormat)
  connector_format: ConnectorFormat;

  @IsEnum(PowerType)
  connector_power_type: PowerType;
}

export class SignedValue {
  /** Start, End, Intermediate, or later additions. */
  @IsCiString(32)
  nature: string;

  @IsOcpiString(512)
  plain_data: string;

  /** Base64. */
  @IsOcpiString(5000)
  signed_data: string;
}

export class SignedData {
  /** OCMF, Alfen Eichrecht, EDL40 ... */
  @IsCiString(36)
  encoding_method: string;

  @IsOptional()
  @IsInt()
  encoding_method_version?: number;

  /** Base64. */
  @IsOptional()
  @IsOcpiString(512)
  public_key?: string;

  @IsNestedArray(() => SignedValue, { minSize: 1 })
  signed_values: SignedValue[];

  /** Shown to the driver to check the signed data; string(512) in the spec, not the URL type. */
  @IsOptional()
  @IsOcpiString(512)
  url?: string;
}

export class CDR {
  @IsCountryCode()
  country_code: string;

  @IsPartyId()
  party_id: string;

  /** 39 rather than 36 so a credit CDR can append a suffix to the original id. */
  @IsCiString(39)
  id: string;

  @IsOcpiDateTime()
  start_date_time: string;

  @IsOcpiDateTime()
  end_date_time: string;

  @IsOptional()
  @IsCiString(36)
  session_id?: string;

  @IsNestedObject(() => CdrToken)
  cdr_token: CdrToken;

  @IsEnum(AuthMethod)
  auth_method: AuthMethod;

  @IsOptional()
  @IsCiString(36)
  authorization_reference?: string;

  @IsNestedObject(() => CdrLocation)
  cdr_location: CdrLocation;

  @IsOptional()
  @IsOcpiString(255)
  meter_id?: string;

  /** ISO 4217. */
  @IsOcpiString(3, { exact: true })
  currency: string;

  @IsOptional()
  @IsNestedArray(() => Tariff)
  tariffs?: Tariff[];

  @IsNestedArray(() => ChargingPeriod, { minSize: 1 })
  charging_periods: ChargingPeriod[];

  @IsOptional()
  @IsNestedObject(() => SignedData)
  signed_data?: SignedData;

  @IsNestedObject(() => Price)
  total_cost: Price;

  @IsOptional()
  @IsNestedObject(() => Price)
  total_fixed_cost?: Price;

  /** kWh. */
  @IsOcpiNumber()
  total_energy: number;

  @IsOptional()
  @IsNestedObject(() => Price)
  total_energy_cost?: Price;

  /** Hours, charging and not charging. */
  @IsOcpiNumber()
  total_time: number;

  @IsOptional()
  @IsNestedObject(() => Price)
  total_time_cost?: Price;

  /** Hours. */
  @IsOptional()
  @IsOcpiNumber()
  total_parking_time?: number;

  @IsOptional()
  @IsNestedObject(() => Price)
  total_parking_cost?: Price;

  @IsOptional()
  @IsNestedObject(() => Price)
  total_reservation_cost?: Price;

  @IsOptional()
  @IsOcpiString(255)
  remark?: string;

  @IsOptional()
  @IsCiString(39)
  invoice_reference_id?: string;

  @IsOptional()
  @IsBoolean()
  credit?: boolean;

  // A credit CDR must point at the CDR it credits.
  @ValidateIf((cdr: CDR) => cdr.credit_reference_id != null || cdr.credit === true)
  @IsDefined({ message: '$property must be set when credit is true' })
  @IsCiString(39)
  credit_reference_id?: string;

  @IsOptional()
  @IsBoolean()
  home_charging_compensation?: boolean;

  @IsOcpiDateTime()
  last_updated: string;
}

import { IsEnum, IsIn, IsOptional, Matches } from 'class-validator';
import { AuthMethod, ConnectorFormat, ConnectorType, PowerType, SessionStatus } from '../dto/enums';
import { BusinessDetails, GeoLocation } from '../dto/locations.dto';
import { IsOcpiDateTime } from '../validation/datetime';
import {
  IsCiString,
  IsCountryCode,
  IsNestedArray,
  IsNestedObject,
  IsOcpiNumber,
  IsOcpiString,
  IsOcpiUrl,
  IsPartyId,
} from '../validation/decorators';

/**
 * OCPI 2.1.1 wire objects (spec-2.1.1, Markdown): what a 2.1.1 partner sends and is sent. They are
 * mapped to and from the one model (the 2.2.1 classes) in v211.mapping.ts; deciders never see them.
 * Only the fields the mapping reads are validated; the rest reaches the log with the raw request.
 */

/** credentials.md: one party, no roles. */
export class Credentials211 {
  @IsOcpiString(64)
  @Matches(/^[\x21-\x7E]*$/, { message: '$property must contain printable ASCII without whitespace only' })
  token: string;

  @IsOcpiUrl()
  url: string;

  @IsNestedObject(() => BusinessDetails)
  business_details: BusinessDetails;

  @IsPartyId()
  party_id: string;

  @IsCountryCode()
  country_code: string;
}

/** version_information_endpoint.md: an endpoint is a module id and a URL, without an interface role. */
export class Endpoint211 {
  @IsOcpiString(64)
  @Matches(/^[\x21-\x7E]+$/, { message: '$property must be a module id (printable ASCII, no spaces)' })
  identifier: string;

  @IsOcpiUrl()
  url: string;
}

export class VersionDetails211 {
  @IsIn(['2.1.1'])
  version: string;

  @IsNestedArray(() => Endpoint211, { minSize: 1 })
  endpoints: Endpoint211[];
}

/** mod_locations.md Connector, as far as a session or CDR needs it. */
export class Connector211 {
  @IsOcpiString(36)
  id: string;

  @IsEnum(ConnectorType)
  standard: ConnectorType;

  @IsEnum(ConnectorFormat)
  format: ConnectorFormat;

  @IsEnum(PowerType)
  power_type: PowerType;
}

export class Evse211 {
  @IsOcpiString(39)
  uid: string;

  @IsOptional()
  @IsOcpiString(48)
  evse_id?: string;

  @IsNestedArray(() => Connector211, { minSize: 1 })
  connectors: Connector211[];
}

/** mod_locations.md Location, as a Session or CDR carries it (only the EVSE and connector used). */
export class Location211 {
  @IsOcpiString(39)
  id: string;

  @IsOptional()
  @IsOcpiString(255)
  name?: string;

  @IsOcpiString(45)
  address: string;

  @IsOcpiString(45)
  city: string;

  @IsOcpiString(10)
  postal_code: string;

  @IsOcpiString(3, { exact: true })
  country: string;

  @IsNestedObject(() => GeoLocation)
  coordinates: GeoLocation;

  @IsNestedArray(() => Evse211, { minSize: 1 })
  evses: Evse211[];
}

/** 2.1.1 dimensions: FLAT is 2.1.1's own (no 2.2.1 counterpart). */
export const CDR_DIMENSION_TYPES_211 = ['ENERGY', 'FLAT', 'MAX_CURRENT', 'MIN_CURRENT', 'PARKING_TIME', 'TIME'] as const;

export class CdrDimension211 {
  @IsIn(CDR_DIMENSION_TYPES_211)
  type: (typeof CDR_DIMENSION_TYPES_211)[number];

  @IsOcpiNumber()
  volume: number;
}

export class ChargingPeriod211 {
  @IsOcpiDateTime()
  start_date_time: string;

  @IsNestedArray(() => CdrDimension211, { minSize: 1 })
  dimensions: CdrDimension211[];
}

/** 2.1.1 knows AUTH_REQUEST and WHITELIST only. */
export const AUTH_METHODS_211 = [AuthMethod.AUTH_REQUEST, AuthMethod.WHITELIST] as const;

/** mod_sessions.md Session: no party in the object, `auth_id` instead of a CdrToken, the Location inline. */
export class Session211 {
  @IsOcpiString(36)
  id: string;

  @IsOcpiDateTime()
  start_datetime: string;

  @IsOptional()
  @IsOcpiDateTime()
  end_datetime?: string;

  @IsOcpiNumber()
  kwh: number;

  @IsOcpiString(36)
  auth_id: string;

  @IsIn(AUTH_METHODS_211)
  auth_method: AuthMethod;

  @IsNestedObject(() => Location211)
  location: Location211;

  @IsOptional()
  @IsOcpiString(255)
  meter_id?: string;

  @IsOcpiString(3, { exact: true })
  currency: string;

  @IsOptional()
  @IsNestedArray(() => ChargingPeriod211)
  charging_periods?: ChargingPeriod211[];

  @IsOptional()
  @IsOcpiNumber()
  total_cost?: number;

  @IsEnum(SessionStatus)
  status: SessionStatus;

  @IsOcpiDateTime()
  last_updated: string;
}

/** mod_cdrs.md CDR: no party, no session_id, costs as plain numbers (excluding VAT). */
export class Cdr211 {
  @IsCiString(36)
  id: string;

  @IsOcpiDateTime()
  start_date_time: string;

  @IsOcpiDateTime()
  stop_date_time: string;

  @IsOcpiString(36)
  auth_id: string;

  @IsIn(AUTH_METHODS_211)
  auth_method: AuthMethod;

  @IsNestedObject(() => Location211)
  location: Location211;

  @IsOptional()
  @IsOcpiString(255)
  meter_id?: string;

  @IsOcpiString(3, { exact: true })
  currency: string;

  @IsNestedArray(() => ChargingPeriod211, { minSize: 1 })
  charging_periods: ChargingPeriod211[];

  @IsOcpiNumber()
  total_cost: number;

  @IsOcpiNumber()
  total_energy: number;

  @IsOcpiNumber()
  total_time: number;

  @IsOptional()
  @IsOcpiNumber()
  total_parking_time?: number;

  @IsOptional()
  @IsOcpiString(255)
  remark?: string;

  @IsOcpiDateTime()
  last_updated: string;
}

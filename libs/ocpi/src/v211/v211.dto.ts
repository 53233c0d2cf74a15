import { Transform } from 'class-transformer';
import { IsBoolean, IsDefined, IsEnum, IsIn, IsInt, IsOptional, Length, Matches, ValidateIf } from 'class-validator';
import { DisplayText } from '../dto/common.dto';
import {
  AuthMethod,
  Capability,
  ConnectorFormat,
  ConnectorType,
  EnvironmentalImpactCategory,
  Facility,
  ParkingRestriction,
  PowerType,
  SessionStatus,
  Status,
  TariffDimensionType,
  WhitelistType,
} from '../dto/enums';
import {
  AdditionalGeoLocation,
  BusinessDetails,
  EnergySource,
  ExceptionalPeriod,
  GeoLocation,
  Image,
  RegularHours,
  StatusSchedule,
} from '../dto/locations.dto';
import { TariffRestrictions } from '../dto/tariffs.dto';
import { IsOcpiDateTime } from '../validation/datetime';
import {
  IsCiString,
  IsCiStringArray,
  IsCountryCode,
  IsEnumArray,
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

  /** ISO 3166-1 alpha-3; alpha-2 is taken too (mod_cdrs.md's own example has "BE"), as sent. */
  @IsOcpiString(3)
  @Length(2, 3)
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

  /** The tariffs it was priced with: how the model's pricing finds the tariff of a 2.1.1 CDR. */
  @IsOptional()
  @IsNestedArray(() => Tariff211)
  tariffs?: Tariff211[];

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

// ---- The Locations module's objects (mod_locations.md), as a CPO pushes them to our receiver ----

/** 2.1.1's LocationType: 2.2 turned it into an optional ParkingType, without OTHER and UNKNOWN. */
export const LOCATION_TYPES_211 = [
  'ON_STREET',
  'PARKING_GARAGE',
  'UNDERGROUND_GARAGE',
  'PARKING_LOT',
  'OTHER',
  'UNKNOWN',
] as const;
export type LocationType211 = (typeof LOCATION_TYPES_211)[number];

/** 2.1.1 names an environmental impact's category `source`; 2.2 renamed it `category`. */
export class EnvironmentalImpact211 {
  @IsEnum(EnvironmentalImpactCategory)
  source: EnvironmentalImpactCategory;

  @IsOcpiNumber()
  amount: number;
}

export class EnergyMix211 {
  @IsBoolean()
  is_green_energy: boolean;

  @IsOptional()
  @IsNestedArray(() => EnergySource)
  energy_sources?: EnergySource[];

  @IsOptional()
  @IsNestedArray(() => EnvironmentalImpact211)
  environ_impact?: EnvironmentalImpact211[];

  @IsOptional()
  @IsOcpiString(64)
  supplier_name?: string;

  @IsOptional()
  @IsOcpiString(64)
  energy_product_name?: string;
}

/** Hours in 2.1.1: a choice of regular_hours or twentyfourseven (2.2 made twentyfourseven required). */
export class Hours211 {
  @IsOptional()
  @IsNestedArray(() => RegularHours)
  regular_hours?: RegularHours[];

  @ValidateIf((hours: Hours211) => hours.twentyfourseven != null || hours.regular_hours == null)
  @IsDefined({ message: '$property (or regular_hours) must be set' })
  @IsBoolean()
  twentyfourseven?: boolean;

  @IsOptional()
  @IsNestedArray(() => ExceptionalPeriod)
  exceptional_openings?: ExceptionalPeriod[];

  @IsOptional()
  @IsNestedArray(() => ExceptionalPeriod)
  exceptional_closings?: ExceptionalPeriod[];
}

/** A Connector with 2.1.1's `voltage`, `amperage` and single `tariff_id`. */
export class ConnectorObject211 {
  @IsCiString(36)
  id: string;

  @IsEnum(ConnectorType)
  standard: ConnectorType;

  @IsEnum(ConnectorFormat)
  format: ConnectorFormat;

  @IsEnum(PowerType)
  power_type: PowerType;

  @IsInt()
  voltage: number;

  @IsInt()
  amperage: number;

  @IsOptional()
  @IsCiString(36)
  tariff_id?: string;

  @IsOptional()
  @IsOcpiUrl()
  terms_and_conditions?: string;

  @IsOcpiDateTime()
  last_updated: string;
}

export class EvseObject211 {
  @IsCiString(39)
  uid: string;

  @IsOptional()
  @IsCiString(48)
  evse_id?: string;

  @IsEnum(Status)
  status: Status;

  @IsOptional()
  @IsNestedArray(() => StatusSchedule)
  status_schedule?: StatusSchedule[];

  @IsOptional()
  @IsEnumArray(Capability)
  capabilities?: Capability[];

  @IsNestedArray(() => ConnectorObject211, { minSize: 1 })
  connectors: ConnectorObject211[];

  @IsOptional()
  @IsOcpiString(4)
  floor_level?: string;

  @IsOptional()
  @IsNestedObject(() => GeoLocation)
  coordinates?: GeoLocation;

  /** A string; a number (mod_locations.md's EVSE example has `3`) is read as its digits. */
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'number' ? String(value) : value))
  @IsOcpiString(16)
  physical_reference?: string;

  @IsOptional()
  @IsNestedArray(() => DisplayText)
  directions?: DisplayText[];

  @IsOptional()
  @IsEnumArray(ParkingRestriction)
  parking_restrictions?: ParkingRestriction[];

  @IsOptional()
  @IsNestedArray(() => Image)
  images?: Image[];

  @IsOcpiDateTime()
  last_updated: string;
}

/** A 2.1.1 Location: no party (the URL names it), no `publish`, a `type`, an optional time_zone. */
export class LocationObject211 {
  @IsCiString(39)
  id: string;

  @IsIn(LOCATION_TYPES_211)
  type: LocationType211;

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

  @IsOptional()
  @IsNestedArray(() => AdditionalGeoLocation)
  related_locations?: AdditionalGeoLocation[];

  @IsOptional()
  @IsNestedArray(() => EvseObject211)
  evses?: EvseObject211[];

  @IsOptional()
  @IsNestedArray(() => DisplayText)
  directions?: DisplayText[];

  @IsOptional()
  @IsNestedObject(() => BusinessDetails)
  operator?: BusinessDetails;

  @IsOptional()
  @IsNestedObject(() => BusinessDetails)
  suboperator?: BusinessDetails;

  @IsOptional()
  @IsNestedObject(() => BusinessDetails)
  owner?: BusinessDetails;

  @IsOptional()
  @IsEnumArray(Facility)
  facilities?: Facility[];

  @IsOptional()
  @IsOcpiString(255)
  time_zone?: string;

  @IsOptional()
  @IsNestedObject(() => Hours211)
  opening_times?: Hours211;

  @IsOptional()
  @IsBoolean()
  charging_when_closed?: boolean;

  @IsOptional()
  @IsNestedArray(() => Image)
  images?: Image[];

  @IsOptional()
  @IsNestedObject(() => EnergyMix211)
  energy_mix?: EnergyMix211;

  @IsOcpiDateTime()
  last_updated: string;
}

// ---- The Tariffs module's objects (mod_tariffs.md) ----

/** 2.1.1's dimensions are 2.2.1's; a price is without VAT and says nothing of it. */
export class PriceComponent211 {
  @IsEnum(TariffDimensionType)
  type: TariffDimensionType;

  /** A JSON number; a decimal in a string ("2.00", as mod_cdrs.md's own example has it) is read as that number. */
  @Transform(({ value }) => (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value))
  @IsOcpiNumber()
  price: number;

  @IsInt()
  step_size: number;
}

export class TariffElement211 {
  @IsNestedArray(() => PriceComponent211, { minSize: 1 })
  price_components: PriceComponent211[];

  /** 2.1.1's restrictions are a subset of 2.2.1's (no current, no reservation), with the same rules. */
  @IsOptional()
  @IsNestedObject(() => TariffRestrictions)
  restrictions?: TariffRestrictions;
}

/** A 2.1.1 Tariff: no party (the URL names it), no type, no min/max price, no validity dates. */
export class Tariff211 {
  @IsCiString(36)
  id: string;

  @IsOcpiString(3, { exact: true })
  currency: string;

  @IsOptional()
  @IsNestedArray(() => DisplayText)
  tariff_alt_text?: DisplayText[];

  @IsOptional()
  @IsOcpiUrl()
  tariff_alt_url?: string;

  @IsNestedArray(() => TariffElement211, { minSize: 1 })
  elements: TariffElement211[];

  @IsOptional()
  @IsNestedObject(() => EnergyMix211)
  energy_mix?: EnergyMix211;

  /** Required, but mod_tariffs.md's own PUT example has none: then the time we received it stands for it. */
  @IsOptional()
  @IsOcpiDateTime()
  last_updated?: string;
}

// ---- The Tokens module (mod_tokens.md) ----

/** 2.1.1 knows two token types; 2.2's APP_USER and AD_HOC_USER reach a 2.1.1 CPO as OTHER. */
export const TOKEN_TYPES_211 = ['OTHER', 'RFID'] as const;

/** A real-time authorization's LocationReferences: 2.1.1 also names connectors, with longer ids. */
export class LocationReferences211 {
  @IsCiString(39)
  location_id: string;

  @IsOptional()
  @IsCiStringArray(39)
  evse_uids?: string[];

  @IsOptional()
  @IsCiStringArray(36)
  connector_ids?: string[];
}

// ---- The Commands module (mod_commands.md) ----

/** 2.1.1's CommandResponseType: both the CPO's answer and the result it POSTs to our response_url. */
export const COMMAND_RESPONSE_TYPES_211 = ['NOT_SUPPORTED', 'REJECTED', 'ACCEPTED', 'TIMEOUT', 'UNKNOWN_SESSION'] as const;
export type CommandResponseType211 = (typeof COMMAND_RESPONSE_TYPES_211)[number];

/** 2.1.1's CommandResponse: a result only (no timeout, no message). */
export class CommandResponse211 {
  @IsIn(COMMAND_RESPONSE_TYPES_211)
  result: CommandResponseType211;
}

/** mod_tokens.md Token: `auth_id` for the contract id, no party (the URL names it), two types. */
export class Token211 {
  @IsCiString(36)
  uid: string;

  @IsIn(TOKEN_TYPES_211)
  type: (typeof TOKEN_TYPES_211)[number];

  @IsCiString(36)
  auth_id: string;

  @IsOptional()
  @IsOcpiString(64)
  visual_number?: string;

  @IsOcpiString(64)
  issuer: string;

  @IsBoolean()
  valid: boolean;

  @IsEnum(WhitelistType)
  whitelist: WhitelistType;

  @IsOptional()
  @IsOcpiString(2, { exact: true })
  language?: string;

  @IsOcpiDateTime()
  last_updated: string;
}

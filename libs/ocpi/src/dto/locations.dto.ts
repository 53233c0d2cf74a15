import { IsBoolean, IsDefined, IsEnum, IsInt, IsOptional, Matches, Max, Min, ValidateIf } from 'class-validator';
import { IsOcpiDateTime } from '../validation/datetime';
import {
  IsCiString,
  IsCiStringArray,
  IsCountryCode,
  IsEnumArray,
  IsHourMinute,
  IsNestedArray,
  IsNestedObject,
  IsNotEmptyWhen,
  IsOcpiNumber,
  IsOcpiString,
  IsOcpiUrl,
  IsPartyId,
} from '../validation/decorators';
import { DisplayText } from './common.dto';
import {
  Capability,
  ConnectorFormat,
  ConnectorType,
  EnergySourceCategory,
  EnvironmentalImpactCategory,
  Facility,
  ImageCategory,
  ParkingRestriction,
  ParkingType,
  PowerType,
  Status,
  TokenType,
} from './enums';

/** Classes of mod_locations.asciidoc. */

// Decimal degrees with 5 to 7 decimals, as the spec's regexes say.
const LATITUDE = /^-?[0-9]{1,2}\.[0-9]{5,7}$/;
const LONGITUDE = /^-?[0-9]{1,3}\.[0-9]{5,7}$/;

export class GeoLocation {
  @IsOcpiString(10)
  @Matches(LATITUDE, { message: '$property must be decimal degrees with 5 to 7 decimals, e.g. 50.770774' })
  latitude: string;

  @IsOcpiString(11)
  @Matches(LONGITUDE, { message: '$property must be decimal degrees with 5 to 7 decimals, e.g. -126.104965' })
  longitude: string;
}

export class AdditionalGeoLocation extends GeoLocation {
  @IsOptional()
  @IsNestedObject(() => DisplayText)
  name?: DisplayText;
}

export class Image {
  @IsOcpiUrl()
  url: string;

  @IsOptional()
  @IsOcpiUrl()
  thumbnail?: string;

  @IsEnum(ImageCategory)
  category: ImageCategory;

  /** gif, jpeg, png, svg... */
  @IsCiString(4)
  type: string;

  // int(5): up to five digits.
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(99_999)
  width?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(99_999)
  height?: number;
}

export class BusinessDetails {
  @IsOcpiString(100)
  name: string;

  @IsOptional()
  @IsOcpiUrl()
  website?: string;

  @IsOptional()
  @IsNestedObject(() => Image)
  logo?: Image;
}

export class RegularHours {
  /** Monday (1) to Sunday (7). */
  @IsInt()
  @Min(1)
  @Max(7)
  weekday: number;

  @IsHourMinute()
  period_begin: string;

  /** The spec wants it later than period_begin; not enforced, so a period ending at midnight (00:00) is kept. */
  @IsHourMinute()
  period_end: string;
}

export class ExceptionalPeriod {
  @IsOcpiDateTime()
  period_begin: string;

  @IsOcpiDateTime()
  period_end: string;
}

export class Hours {
  @IsBoolean()
  twentyfourseven: boolean;

  // Optional, but the spec requires at least one entry when the location is not open 24/7.
  @ValidateIf((hours: Hours) => hours.regular_hours != null || hours.twentyfourseven === false)
  @IsNotEmptyWhen((hours: Hours) => hours.twentyfourseven === false, {
    message: '$property must contain at least one period when twentyfourseven is false',
  })
  @IsNestedArray(() => RegularHours)
  regular_hours?: RegularHours[];

  @IsOptional()
  @IsNestedArray(() => ExceptionalPeriod)
  exceptional_openings?: ExceptionalPeriod[];

  @IsOptional()
  @IsNestedArray(() => ExceptionalPeriod)
  exceptional_closings?: ExceptionalPeriod[];
}

export class EnergySource {
  @IsEnum(EnergySourceCategory)
  source: EnergySourceCategory;

  @IsOcpiNumber()
  @Min(0)
  @Max(100)
  percentage: number;
}

export class EnvironmentalImpact {
  @IsEnum(EnvironmentalImpactCategory)
  category: EnvironmentalImpactCategory;

  /** g/kWh. */
  @IsOcpiNumber()
  amount: number;
}

export class EnergyMix {
  @IsBoolean()
  is_green_energy: boolean;

  @IsOptional()
  @IsNestedArray(() => EnergySource)
  energy_sources?: EnergySource[];

  @IsOptional()
  @IsNestedArray(() => EnvironmentalImpact)
  environ_impact?: EnvironmentalImpact[];

  @IsOptional()
  @IsOcpiString(64)
  supplier_name?: string;

  @IsOptional()
  @IsOcpiString(64)
  energy_product_name?: string;
}

/**
 * Identifies a Token a non-published Location may be shown to. The spec requires at least one of
 * `uid`, `visual_number` or `group_id`; `type` goes with `uid`, `issuer` with `visual_number`.
 */
export class PublishTokenType {
  @ValidateIf((token: PublishTokenType) => token.uid != null || (token.visual_number == null && token.group_id == null))
  @IsDefined({ message: '$property (or visual_number or group_id) must be set' })
  @IsCiString(36)
  uid?: string;

  @ValidateIf((token: PublishTokenType) => token.type != null || token.uid != null)
  @IsDefined({ message: '$property must be set when uid is set' })
  @IsEnum(TokenType)
  type?: TokenType;

  @IsOptional()
  @IsOcpiString(64)
  visual_number?: string;

  @ValidateIf((token: PublishTokenType) => token.issuer != null || token.visual_number != null)
  @IsDefined({ message: '$property must be set when visual_number is set' })
  @IsOcpiString(64)
  issuer?: string;

  @IsOptional()
  @IsCiString(36)
  group_id?: string;
}

export class StatusSchedule {
  @IsOcpiDateTime()
  period_begin: string;

  @IsOptional()
  @IsOcpiDateTime()
  period_end?: string;

  @IsEnum(Status)
  status: Status;
}

export class Connector {
  @IsCiString(36)
  id: string;

  @IsEnum(ConnectorType)
  standard: ConnectorType;

  @IsEnum(ConnectorFormat)
  format: ConnectorFormat;

  @IsEnum(PowerType)
  power_type: PowerType;

  /** Volt, line to neutral for AC_3_PHASE. */
  @IsInt()
  max_voltage: number;

  /** Ampere. */
  @IsInt()
  max_amperage: number;

  /** Watt. */
  @IsOptional()
  @IsInt()
  max_electric_power?: number;

  @IsOptional()
  @IsCiStringArray(36)
  tariff_ids?: string[];

  @IsOptional()
  @IsOcpiUrl()
  terms_and_conditions?: string;

  @IsOcpiDateTime()
  last_updated: string;
}

export class EVSE {
  @IsCiString(36)
  uid: string;

  /** eMI3 EVSE ID; may be dropped once the EVSE is REMOVED, hence optional. */
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

  @IsNestedArray(() => Connector, { minSize: 1 })
  connectors: Connector[];

  @IsOptional()
  @IsOcpiString(4)
  floor_level?: string;

  @IsOptional()
  @IsNestedObject(() => GeoLocation)
  coordinates?: GeoLocation;

  @IsOptional()
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

export class Location {
  @IsCountryCode()
  country_code: string;

  @IsPartyId()
  party_id: string;

  @IsCiString(36)
  id: string;

  @IsBoolean()
  publish: boolean;

  @IsOptional()
  @IsNestedArray(() => PublishTokenType)
  publish_allowed_to?: PublishTokenType[];

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

  @IsOptional()
  @IsNestedArray(() => AdditionalGeoLocation)
  related_locations?: AdditionalGeoLocation[];

  @IsOptional()
  @IsEnum(ParkingType)
  parking_type?: ParkingType;

  @IsOptional()
  @IsNestedArray(() => EVSE)
  evses?: EVSE[];

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

  /** IANA tz name, e.g. Europe/Oslo. */
  @IsOcpiString(255)
  time_zone: string;

  @IsOptional()
  @IsNestedObject(() => Hours)
  opening_times?: Hours;

  /** Absent means true. */
  @IsOptional()
  @IsBoolean()
  charging_when_closed?: boolean;

  @IsOptional()
  @IsNestedArray(() => Image)
  images?: Image[];

  @IsOptional()
  @IsNestedObject(() => EnergyMix)
  energy_mix?: EnergyMix;

  @IsOcpiDateTime()
  last_updated: string;
}

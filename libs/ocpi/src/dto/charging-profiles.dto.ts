import { IsEnum, IsInt, IsOptional } from 'class-validator';
import { IsOcpiDateTime } from '../validation/datetime';
import { IsNestedArray, IsNestedObject, IsOcpiNumber, IsOcpiUrl } from '../validation/decorators';
import { ChargingProfileResponseType, ChargingProfileResultType, ChargingRateUnit } from './enums';

/** Classes of mod_charging_profiles.asciidoc. */

export class ChargingProfilePeriod {
  /** Seconds from the start of the profile; also ends the previous period. */
  @IsInt()
  start_period: number;

  /** In charging_rate_unit; the spec accepts at most one decimal (8.1). */
  @IsOcpiNumber({ maxDecimalPlaces: 1 })
  limit: number;
}

export class ChargingProfile {
  /** Absent: the profile is relative to the start of charging. */
  @IsOptional()
  @IsOcpiDateTime()
  start_date_time?: string;

  /** Seconds. */
  @IsOptional()
  @IsInt()
  duration?: number;

  @IsEnum(ChargingRateUnit)
  charging_rate_unit: ChargingRateUnit;

  @IsOptional()
  @IsOcpiNumber({ maxDecimalPlaces: 1 })
  min_charging_rate?: number;

  @IsOptional()
  @IsNestedArray(() => ChargingProfilePeriod)
  charging_profile_period?: ChargingProfilePeriod[];
}

export class ActiveChargingProfile {
  /** All times in the profile are relative to this moment. */
  @IsOcpiDateTime()
  start_date_time: string;

  @IsNestedObject(() => ChargingProfile)
  charging_profile: ChargingProfile;
}

/** Body of PUT sessions/{session_id} on the CPO's charging profiles interface. */
export class SetChargingProfile {
  @IsNestedObject(() => ChargingProfile)
  charging_profile: ChargingProfile;

  @IsOcpiUrl()
  response_url: string;
}

export class ChargingProfileResponse {
  @IsEnum(ChargingProfileResponseType)
  result: ChargingProfileResponseType;

  /** Seconds. */
  @IsInt()
  timeout: number;
}

export class ActiveChargingProfileResult {
  @IsEnum(ChargingProfileResultType)
  result: ChargingProfileResultType;

  /** Set when result is ACCEPTED. */
  @IsOptional()
  @IsNestedObject(() => ActiveChargingProfile)
  profile?: ActiveChargingProfile;
}

export class ChargingProfileResult {
  @IsEnum(ChargingProfileResultType)
  result: ChargingProfileResultType;
}

export class ClearProfileResult {
  @IsEnum(ChargingProfileResultType)
  result: ChargingProfileResultType;
}

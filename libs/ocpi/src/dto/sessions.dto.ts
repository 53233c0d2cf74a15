import { IsBoolean, IsEnum, IsOptional } from 'class-validator';
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
import { CdrToken, ChargingPeriod } from './cdrs.dto';
import { Price } from './common.dto';
import { AuthMethod, ProfileType, SessionStatus } from './enums';

/** Classes of mod_sessions.asciidoc. */

export class Session {
  @IsCountryCode()
  country_code: string;

  @IsPartyId()
  party_id: string;

  @IsCiString(36)
  id: string;

  /** When the session became ACTIVE; while PENDING, when it was created. */
  @IsOcpiDateTime()
  start_date_time: string;

  @IsOptional()
  @IsOcpiDateTime()
  end_date_time?: string;

  @IsOcpiNumber()
  kwh: number;

  @IsNestedObject(() => CdrToken)
  cdr_token: CdrToken;

  @IsEnum(AuthMethod)
  auth_method: AuthMethod;

  @IsOptional()
  @IsCiString(36)
  authorization_reference?: string;

  @IsCiString(36)
  location_id: string;

  /** `#NA` while a reservation has no EVSE assigned yet. */
  @IsCiString(36)
  evse_uid: string;

  /** `#NA` while a reservation has no connector assigned yet. */
  @IsCiString(36)
  connector_id: string;

  @IsOptional()
  @IsOcpiString(255)
  meter_id?: string;

  /** ISO 4217. */
  @IsOcpiString(3, { exact: true })
  currency: string;

  @IsOptional()
  @IsNestedArray(() => ChargingPeriod)
  charging_periods?: ChargingPeriod[];

  /** Absent does not mean free of charge; 0 does. */
  @IsOptional()
  @IsNestedObject(() => Price)
  total_cost?: Price;

  @IsEnum(SessionStatus)
  status: SessionStatus;

  @IsOcpiDateTime()
  last_updated: string;
}

/** Body of PUT sessions/{session_id}/charging_preferences. */
export class ChargingPreferences {
  @IsEnum(ProfileType)
  profile_type: ProfileType;

  @IsOptional()
  @IsOcpiDateTime()
  departure_time?: string;

  /** kWh. */
  @IsOptional()
  @IsOcpiNumber()
  energy_need?: number;

  /** Absent means false. */
  @IsOptional()
  @IsBoolean()
  discharge_allowed?: boolean;
}

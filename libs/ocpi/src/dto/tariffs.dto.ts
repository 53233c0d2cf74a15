import { IsEnum, IsInt, IsOptional, Matches } from 'class-validator';
import { IsOcpiDateTime } from '../validation/datetime';
import {
  IsCiString,
  IsCountryCode,
  IsEnumArray,
  IsHourMinute,
  IsNestedArray,
  IsNestedObject,
  IsOcpiNumber,
  IsOcpiString,
  IsOcpiUrl,
  IsPartyId,
} from '../validation/decorators';
import { DisplayText, Price } from './common.dto';
import { DayOfWeek, ReservationRestrictionType, TariffDimensionType, TariffType } from './enums';
import { EnergyMix } from './locations.dto';

/** Classes of mod_tariffs.asciidoc. */

// Local calendar date, as the spec's regex: 2015-12-24.
const LOCAL_DATE = /^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/;

export class PriceComponent {
  @IsEnum(TariffDimensionType)
  type: TariffDimensionType;

  /** Per unit, excluding VAT. */
  @IsOcpiNumber()
  price: number;

  /** Percentage. Absent means no VAT applies, which differs from 0. */
  @IsOptional()
  @IsOcpiNumber()
  vat?: number;

  /** Billing block, in the dimension's step unit (Wh, seconds). */
  @IsInt()
  step_size: number;
}

/** All restrictions that are set must match (logical AND) for the element to be active. */
export class TariffRestrictions {
  /** Local time, in the time_zone of the Location. */
  @IsOptional()
  @IsHourMinute()
  start_time?: string;

  /** Before start_time means the period wraps past midnight; 00:00 ends it at midnight. */
  @IsOptional()
  @IsHourMinute()
  end_time?: string;

  /** Local date, inclusive. */
  @IsOptional()
  @IsOcpiString(10)
  @Matches(LOCAL_DATE, { message: '$property must be a date like 2015-12-24' })
  start_date?: string;

  /** Local date, exclusive. */
  @IsOptional()
  @IsOcpiString(10)
  @Matches(LOCAL_DATE, { message: '$property must be a date like 2015-12-27' })
  end_date?: string;

  @IsOptional()
  @IsOcpiNumber()
  min_kwh?: number;

  @IsOptional()
  @IsOcpiNumber()
  max_kwh?: number;

  @IsOptional()
  @IsOcpiNumber()
  min_current?: number;

  @IsOptional()
  @IsOcpiNumber()
  max_current?: number;

  @IsOptional()
  @IsOcpiNumber()
  min_power?: number;

  @IsOptional()
  @IsOcpiNumber()
  max_power?: number;

  /** Seconds. */
  @IsOptional()
  @IsInt()
  min_duration?: number;

  /** Seconds. */
  @IsOptional()
  @IsInt()
  max_duration?: number;

  @IsOptional()
  @IsEnumArray(DayOfWeek)
  day_of_week?: DayOfWeek[];

  @IsOptional()
  @IsEnum(ReservationRestrictionType)
  reservation?: ReservationRestrictionType;
}

export class TariffElement {
  @IsNestedArray(() => PriceComponent, { minSize: 1 })
  price_components: PriceComponent[];

  @IsOptional()
  @IsNestedObject(() => TariffRestrictions)
  restrictions?: TariffRestrictions;
}

export class Tariff {
  @IsCountryCode()
  country_code: string;

  @IsPartyId()
  party_id: string;

  @IsCiString(36)
  id: string;

  /** ISO 4217. */
  @IsOcpiString(3, { exact: true })
  currency: string;

  /** Absent means the tariff applies to all sessions. */
  @IsOptional()
  @IsEnum(TariffType)
  type?: TariffType;

  @IsOptional()
  @IsNestedArray(() => DisplayText)
  tariff_alt_text?: DisplayText[];

  @IsOptional()
  @IsOcpiUrl()
  tariff_alt_url?: string;

  @IsOptional()
  @IsNestedObject(() => Price)
  min_price?: Price;

  @IsOptional()
  @IsNestedObject(() => Price)
  max_price?: Price;

  @IsNestedArray(() => TariffElement, { minSize: 1 })
  elements: TariffElement[];

  @IsOptional()
  @IsOcpiDateTime()
  start_date_time?: string;

  @IsOptional()
  @IsOcpiDateTime()
  end_date_time?: string;

  @IsOptional()
  @IsNestedObject(() => EnergyMix)
  energy_mix?: EnergyMix;

  @IsOcpiDateTime()
  last_updated: string;
}

import { IsArray, IsBoolean, IsEnum, IsOptional } from 'class-validator';
import { CDR, CdrLocation, CdrToken } from '../dto/cdrs.dto';
import { BusinessDetails, Connector, EnergyMix, EnvironmentalImpact, EVSE, Image, Location } from '../dto/locations.dto';
import { Session } from '../dto/sessions.dto';
import { Tariff } from '../dto/tariffs.dto';
import { IsCiString, IsCiStringArray, IsNestedArray, IsNestedObject, IsOcpiNumber, IsOcpiString } from '../validation/decorators';

/**
 * OCPI 2.3.0 Locations, Tariffs, Sessions and CDRs as they arrive (prices already mapped, v230.mapping): the model's classes with what 2.3.0 changed.
 * - OpenEnums (types.asciidoc): TokenType, ConnectorType, Capability, ConnectorCapability, Facility,
 *   ImageCategory, ParkingRestriction, ParkingType, EnvironmentalImpactCategory, VehicleType take any
 *   string, not only the values the spec lists; the value is kept as sent.
 * - New fields: Parking objects (Location.parking_places, EVSE.parking), EVSE.accepted_service_providers,
 *   Location.help_phone, Connector.capabilities, Tariff.tax_included and preauthorize_amount.
 * A subclass field's rules replace the model's rules of that kind (class-validator keeps the
 * subclass's custom rules over inherited ones), so only what 2.3.0 changed is written here. The
 * model holds these fields as they are: 2.3.0's are kept with the object (see parse230).
 */

/** An OpenEnum value: a string, one the spec lists or another (types.asciidoc OpenEnum). */
function IsOpenEnum(options: { each?: boolean } = {}): PropertyDecorator {
  return IsOcpiString(255, options);
}

/** A list of OpenEnum values. */
function IsOpenEnumList(): PropertyDecorator {
  return (target, key) => {
    IsArray({ message: '$property must be a list' })(target, key);
    IsOpenEnum({ each: true })(target, key);
  };
}

export enum VehicleType230 {
  MOTORCYCLE = 'MOTORCYCLE',
  PERSONAL_VEHICLE = 'PERSONAL_VEHICLE',
  PERSONAL_VEHICLE_WITH_TRAILER = 'PERSONAL_VEHICLE_WITH_TRAILER',
  VAN = 'VAN',
  SEMI_TRACTOR = 'SEMI_TRACTOR',
  RIGID = 'RIGID',
  TRUCK_WITH_TRAILER = 'TRUCK_WITH_TRAILER',
  BUS = 'BUS',
  DISABLED = 'DISABLED',
}

export enum ParkingDirection230 {
  PARALLEL = 'PARALLEL',
  PERPENDICULAR = 'PERPENDICULAR',
  ANGLE = 'ANGLE',
}

export enum EvsePosition230 {
  LEFT = 'LEFT',
  RIGHT = 'RIGHT',
  CENTER = 'CENTER',
}

export enum TaxIncluded230 {
  YES = 'YES',
  NO = 'NO',
  NOT_APPLICABLE = 'N/A',
}

export class Image230 extends Image {
  @IsOpenEnum()
  declare category: Image['category'];
}

export class BusinessDetails230 extends BusinessDetails {
  @IsOptional()
  @IsNestedObject(() => Image230)
  declare logo?: Image230;
}

export class EnvironmentalImpact230 extends EnvironmentalImpact {
  @IsOpenEnum()
  declare category: EnvironmentalImpact['category'];
}

export class EnergyMix230 extends EnergyMix {
  @IsOptional()
  @IsNestedArray(() => EnvironmentalImpact230)
  declare environ_impact?: EnvironmentalImpact230[];
}

/** A parking space a vehicle can use while charging (mod_locations Parking, new in 2.3.0). */
export class Parking230 {
  @IsCiString(36)
  id: string;

  @IsOptional()
  @IsOcpiString(12)
  physical_reference?: string;

  @IsOpenEnumList()
  vehicle_types: string[];

  @IsOptional()
  @IsOcpiNumber()
  max_vehicle_weight?: number;

  @IsOptional()
  @IsOcpiNumber()
  max_vehicle_height?: number;

  @IsOptional()
  @IsOcpiNumber()
  max_vehicle_length?: number;

  @IsOptional()
  @IsOcpiNumber()
  max_vehicle_width?: number;

  @IsOptional()
  @IsOcpiNumber()
  parking_space_length?: number;

  @IsOptional()
  @IsOcpiNumber()
  parking_space_width?: number;

  @IsOptional()
  @IsBoolean()
  dangerous_goods_allowed?: boolean;

  @IsOptional()
  @IsEnum(ParkingDirection230)
  direction?: ParkingDirection230;

  @IsOptional()
  @IsBoolean()
  drive_through?: boolean;

  @IsBoolean()
  restricted_to_type: boolean;

  @IsBoolean()
  reservation_required: boolean;

  @IsOptional()
  @IsOcpiNumber()
  time_limit?: number;

  @IsOptional()
  @IsBoolean()
  roofed?: boolean;

  @IsOptional()
  @IsNestedArray(() => Image230)
  images?: Image230[];

  @IsOptional()
  @IsBoolean()
  lighting?: boolean;

  @IsOptional()
  @IsBoolean()
  refrigeration_outlet?: boolean;

  @IsOptional()
  @IsCiStringArray(36)
  standards?: string[];

  @IsOptional()
  @IsCiString(255)
  apds_reference?: string;
}

/** An EVSE's link to a Parking of its Location (mod_locations EVSEParking, new in 2.3.0). */
export class EvseParking230 {
  @IsCiString(36)
  parking_id: string;

  @IsOptional()
  @IsEnum(EvsePosition230)
  evse_position?: EvsePosition230;
}

export class Connector230 extends Connector {
  @IsOpenEnum()
  declare standard: Connector['standard'];

  @IsOptional()
  @IsOpenEnumList()
  capabilities?: string[];
}

export class EVSE230 extends EVSE {
  @IsOptional()
  @IsOpenEnumList()
  declare capabilities?: EVSE['capabilities'];

  @IsNestedArray(() => Connector230, { minSize: 1 })
  declare connectors: Connector230[];

  @IsOptional()
  @IsOpenEnumList()
  declare parking_restrictions?: EVSE['parking_restrictions'];

  @IsOptional()
  @IsNestedArray(() => EvseParking230)
  parking?: EvseParking230[];

  @IsOptional()
  @IsNestedArray(() => Image230)
  declare images?: Image230[];

  @IsOptional()
  @IsArray({ message: '$property must be a list' })
  @IsOcpiString(50, { each: true })
  accepted_service_providers?: string[];
}

export class Location230 extends Location {
  @IsOptional()
  @IsOpenEnum()
  declare parking_type?: Location['parking_type'];

  @IsOptional()
  @IsNestedArray(() => EVSE230)
  declare evses?: EVSE230[];

  @IsOptional()
  @IsNestedArray(() => Parking230)
  parking_places?: Parking230[];

  @IsOptional()
  @IsNestedObject(() => BusinessDetails230)
  declare operator?: BusinessDetails230;

  @IsOptional()
  @IsNestedObject(() => BusinessDetails230)
  declare suboperator?: BusinessDetails230;

  @IsOptional()
  @IsNestedObject(() => BusinessDetails230)
  declare owner?: BusinessDetails230;

  @IsOptional()
  @IsOpenEnumList()
  declare facilities?: Location['facilities'];

  @IsOptional()
  @IsNestedArray(() => Image230)
  declare images?: Image230[];

  @IsOptional()
  @IsNestedObject(() => EnergyMix230)
  declare energy_mix?: EnergyMix230;

  @IsOptional()
  @IsCiString(25)
  help_phone?: string;
}

/** A 2.3.0 Tariff once its min_price/max_price (PriceLimit) are the model's Price (tariffFrom230). */
export class Tariff230 extends Tariff {
  @IsOptional()
  @IsOcpiNumber()
  preauthorize_amount?: number;

  @IsEnum(TaxIncluded230, { message: '$property must be one of the following values: YES, NO, N/A' })
  tax_included: TaxIncluded230;

  @IsOptional()
  @IsNestedObject(() => EnergyMix230)
  declare energy_mix?: EnergyMix230;
}

export class CdrToken230 extends CdrToken {
  @IsOpenEnum()
  declare type: CdrToken['type'];
}

export class CdrLocation230 extends CdrLocation {
  @IsOpenEnum()
  declare connector_standard: CdrLocation['connector_standard'];
}

export class Session230 extends Session {
  @IsNestedObject(() => CdrToken230)
  declare cdr_token: CdrToken230;
}

export class CDR230 extends CDR {
  @IsNestedObject(() => CdrToken230)
  declare cdr_token: CdrToken230;

  @IsNestedObject(() => CdrLocation230)
  declare cdr_location: CdrLocation230;

  @IsOptional()
  @IsNestedArray(() => Tariff230)
  declare tariffs?: Tariff230[];
}

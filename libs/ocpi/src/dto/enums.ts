/**
 * OCPI 2.2.1 enums, named as in the spec. They live in one file with no imports so that the DTO
 * modules, which reference each other's enums, have no import cycles.
 */

// ---- types.asciidoc ----

export enum Role {
  CPO = 'CPO',
  EMSP = 'EMSP',
  HUB = 'HUB',
  NAP = 'NAP',
  NSP = 'NSP',
  OTHER = 'OTHER',
  SCSP = 'SCSP',
}

// ---- version_information_endpoint.asciidoc ----

export enum VersionNumber {
  V2_0 = '2.0',
  V2_1 = '2.1',
  V2_1_1 = '2.1.1',
  V2_2 = '2.2',
  V2_2_1 = '2.2.1',
  V2_3_0 = '2.3.0',
}

export enum InterfaceRole {
  SENDER = 'SENDER',
  RECEIVER = 'RECEIVER',
}

/** The standard module identifiers. The spec lets parties add custom ones (see Endpoint). */
export enum ModuleID {
  CDRS = 'cdrs',
  CHARGING_PROFILES = 'chargingprofiles',
  COMMANDS = 'commands',
  CREDENTIALS = 'credentials',
  HUB_CLIENT_INFO = 'hubclientinfo',
  LOCATIONS = 'locations',
  SESSIONS = 'sessions',
  TARIFFS = 'tariffs',
  TOKENS = 'tokens',
}

// ---- mod_hub_client_info.asciidoc ----

export enum ConnectionStatus {
  CONNECTED = 'CONNECTED',
  OFFLINE = 'OFFLINE',
  PLANNED = 'PLANNED',
  SUSPENDED = 'SUSPENDED',
}

// ---- mod_locations.asciidoc ----

/** Status of an EVSE (or of a StatusSchedule period). */
export enum Status {
  AVAILABLE = 'AVAILABLE',
  BLOCKED = 'BLOCKED',
  CHARGING = 'CHARGING',
  INOPERATIVE = 'INOPERATIVE',
  OUTOFORDER = 'OUTOFORDER',
  PLANNED = 'PLANNED',
  REMOVED = 'REMOVED',
  RESERVED = 'RESERVED',
  UNKNOWN = 'UNKNOWN',
}

export enum Capability {
  CHARGING_PROFILE_CAPABLE = 'CHARGING_PROFILE_CAPABLE',
  CHARGING_PREFERENCES_CAPABLE = 'CHARGING_PREFERENCES_CAPABLE',
  CHIP_CARD_SUPPORT = 'CHIP_CARD_SUPPORT',
  CONTACTLESS_CARD_SUPPORT = 'CONTACTLESS_CARD_SUPPORT',
  CREDIT_CARD_PAYABLE = 'CREDIT_CARD_PAYABLE',
  DEBIT_CARD_PAYABLE = 'DEBIT_CARD_PAYABLE',
  PED_TERMINAL = 'PED_TERMINAL',
  REMOTE_START_STOP_CAPABLE = 'REMOTE_START_STOP_CAPABLE',
  RESERVABLE = 'RESERVABLE',
  RFID_READER = 'RFID_READER',
  START_SESSION_CONNECTOR_REQUIRED = 'START_SESSION_CONNECTOR_REQUIRED',
  TOKEN_GROUP_CAPABLE = 'TOKEN_GROUP_CAPABLE',
  UNLOCK_CAPABLE = 'UNLOCK_CAPABLE',
}

export enum ConnectorFormat {
  SOCKET = 'SOCKET',
  CABLE = 'CABLE',
}

export enum ConnectorType {
  CHADEMO = 'CHADEMO',
  CHAOJI = 'CHAOJI',
  DOMESTIC_A = 'DOMESTIC_A',
  DOMESTIC_B = 'DOMESTIC_B',
  DOMESTIC_C = 'DOMESTIC_C',
  DOMESTIC_D = 'DOMESTIC_D',
  DOMESTIC_E = 'DOMESTIC_E',
  DOMESTIC_F = 'DOMESTIC_F',
  DOMESTIC_G = 'DOMESTIC_G',
  DOMESTIC_H = 'DOMESTIC_H',
  DOMESTIC_I = 'DOMESTIC_I',
  DOMESTIC_J = 'DOMESTIC_J',
  DOMESTIC_K = 'DOMESTIC_K',
  DOMESTIC_L = 'DOMESTIC_L',
  DOMESTIC_M = 'DOMESTIC_M',
  DOMESTIC_N = 'DOMESTIC_N',
  DOMESTIC_O = 'DOMESTIC_O',
  GBT_AC = 'GBT_AC',
  GBT_DC = 'GBT_DC',
  IEC_60309_2_single_16 = 'IEC_60309_2_single_16',
  IEC_60309_2_three_16 = 'IEC_60309_2_three_16',
  IEC_60309_2_three_32 = 'IEC_60309_2_three_32',
  IEC_60309_2_three_64 = 'IEC_60309_2_three_64',
  IEC_62196_T1 = 'IEC_62196_T1',
  IEC_62196_T1_COMBO = 'IEC_62196_T1_COMBO',
  IEC_62196_T2 = 'IEC_62196_T2',
  IEC_62196_T2_COMBO = 'IEC_62196_T2_COMBO',
  IEC_62196_T3A = 'IEC_62196_T3A',
  IEC_62196_T3C = 'IEC_62196_T3C',
  NEMA_5_20 = 'NEMA_5_20',
  NEMA_6_30 = 'NEMA_6_30',
  NEMA_6_50 = 'NEMA_6_50',
  NEMA_10_30 = 'NEMA_10_30',
  NEMA_10_50 = 'NEMA_10_50',
  NEMA_14_30 = 'NEMA_14_30',
  NEMA_14_50 = 'NEMA_14_50',
  PANTOGRAPH_BOTTOM_UP = 'PANTOGRAPH_BOTTOM_UP',
  PANTOGRAPH_TOP_DOWN = 'PANTOGRAPH_TOP_DOWN',
  TESLA_R = 'TESLA_R',
  TESLA_S = 'TESLA_S',
}

export enum EnergySourceCategory {
  NUCLEAR = 'NUCLEAR',
  GENERAL_FOSSIL = 'GENERAL_FOSSIL',
  COAL = 'COAL',
  GAS = 'GAS',
  GENERAL_GREEN = 'GENERAL_GREEN',
  SOLAR = 'SOLAR',
  WIND = 'WIND',
  WATER = 'WATER',
}

export enum EnvironmentalImpactCategory {
  NUCLEAR_WASTE = 'NUCLEAR_WASTE',
  CARBON_DIOXIDE = 'CARBON_DIOXIDE',
}

export enum Facility {
  HOTEL = 'HOTEL',
  RESTAURANT = 'RESTAURANT',
  CAFE = 'CAFE',
  MALL = 'MALL',
  SUPERMARKET = 'SUPERMARKET',
  SPORT = 'SPORT',
  RECREATION_AREA = 'RECREATION_AREA',
  NATURE = 'NATURE',
  MUSEUM = 'MUSEUM',
  BIKE_SHARING = 'BIKE_SHARING',
  BUS_STOP = 'BUS_STOP',
  TAXI_STAND = 'TAXI_STAND',
  TRAM_STOP = 'TRAM_STOP',
  METRO_STATION = 'METRO_STATION',
  TRAIN_STATION = 'TRAIN_STATION',
  AIRPORT = 'AIRPORT',
  PARKING_LOT = 'PARKING_LOT',
  CARPOOL_PARKING = 'CARPOOL_PARKING',
  FUEL_STATION = 'FUEL_STATION',
  WIFI = 'WIFI',
}

export enum ImageCategory {
  CHARGER = 'CHARGER',
  ENTRANCE = 'ENTRANCE',
  LOCATION = 'LOCATION',
  NETWORK = 'NETWORK',
  OPERATOR = 'OPERATOR',
  OTHER = 'OTHER',
  OWNER = 'OWNER',
}

export enum ParkingRestriction {
  EV_ONLY = 'EV_ONLY',
  PLUGGED = 'PLUGGED',
  DISABLED = 'DISABLED',
  CUSTOMERS = 'CUSTOMERS',
  MOTORCYCLES = 'MOTORCYCLES',
}

export enum ParkingType {
  ALONG_MOTORWAY = 'ALONG_MOTORWAY',
  PARKING_GARAGE = 'PARKING_GARAGE',
  PARKING_LOT = 'PARKING_LOT',
  ON_DRIVEWAY = 'ON_DRIVEWAY',
  ON_STREET = 'ON_STREET',
  UNDERGROUND_GARAGE = 'UNDERGROUND_GARAGE',
}

export enum PowerType {
  AC_1_PHASE = 'AC_1_PHASE',
  AC_2_PHASE = 'AC_2_PHASE',
  AC_2_PHASE_SPLIT = 'AC_2_PHASE_SPLIT',
  AC_3_PHASE = 'AC_3_PHASE',
  DC = 'DC',
}

// ---- mod_sessions.asciidoc ----

export enum SessionStatus {
  ACTIVE = 'ACTIVE',
  COMPLETED = 'COMPLETED',
  INVALID = 'INVALID',
  PENDING = 'PENDING',
  RESERVATION = 'RESERVATION',
}

export enum ProfileType {
  CHEAP = 'CHEAP',
  FAST = 'FAST',
  GREEN = 'GREEN',
  REGULAR = 'REGULAR',
}

export enum ChargingPreferencesResponse {
  ACCEPTED = 'ACCEPTED',
  DEPARTURE_REQUIRED = 'DEPARTURE_REQUIRED',
  ENERGY_NEED_REQUIRED = 'ENERGY_NEED_REQUIRED',
  NOT_POSSIBLE = 'NOT_POSSIBLE',
  PROFILE_TYPE_NOT_SUPPORTED = 'PROFILE_TYPE_NOT_SUPPORTED',
}

// ---- mod_cdrs.asciidoc ----

export enum AuthMethod {
  AUTH_REQUEST = 'AUTH_REQUEST',
  COMMAND = 'COMMAND',
  WHITELIST = 'WHITELIST',
}

/** CURRENT, ENERGY_EXPORT, ENERGY_IMPORT, POWER and STATE_OF_CHARGE are for Sessions only. */
export enum CdrDimensionType {
  CURRENT = 'CURRENT',
  ENERGY = 'ENERGY',
  ENERGY_EXPORT = 'ENERGY_EXPORT',
  ENERGY_IMPORT = 'ENERGY_IMPORT',
  MAX_CURRENT = 'MAX_CURRENT',
  MIN_CURRENT = 'MIN_CURRENT',
  MAX_POWER = 'MAX_POWER',
  MIN_POWER = 'MIN_POWER',
  PARKING_TIME = 'PARKING_TIME',
  POWER = 'POWER',
  RESERVATION_TIME = 'RESERVATION_TIME',
  STATE_OF_CHARGE = 'STATE_OF_CHARGE',
  TIME = 'TIME',
}

// ---- mod_tariffs.asciidoc ----

export enum DayOfWeek {
  MONDAY = 'MONDAY',
  TUESDAY = 'TUESDAY',
  WEDNESDAY = 'WEDNESDAY',
  THURSDAY = 'THURSDAY',
  FRIDAY = 'FRIDAY',
  SATURDAY = 'SATURDAY',
  SUNDAY = 'SUNDAY',
}

export enum ReservationRestrictionType {
  RESERVATION = 'RESERVATION',
  RESERVATION_EXPIRES = 'RESERVATION_EXPIRES',
}

export enum TariffDimensionType {
  ENERGY = 'ENERGY',
  FLAT = 'FLAT',
  PARKING_TIME = 'PARKING_TIME',
  TIME = 'TIME',
}

export enum TariffType {
  AD_HOC_PAYMENT = 'AD_HOC_PAYMENT',
  PROFILE_CHEAP = 'PROFILE_CHEAP',
  PROFILE_FAST = 'PROFILE_FAST',
  PROFILE_GREEN = 'PROFILE_GREEN',
  REGULAR = 'REGULAR',
}

// ---- mod_tokens.asciidoc ----

export enum AllowedType {
  ALLOWED = 'ALLOWED',
  BLOCKED = 'BLOCKED',
  EXPIRED = 'EXPIRED',
  NO_CREDIT = 'NO_CREDIT',
  NOT_ALLOWED = 'NOT_ALLOWED',
}

export enum TokenType {
  AD_HOC_USER = 'AD_HOC_USER',
  APP_USER = 'APP_USER',
  OTHER = 'OTHER',
  RFID = 'RFID',
}

export enum WhitelistType {
  ALWAYS = 'ALWAYS',
  ALLOWED = 'ALLOWED',
  ALLOWED_OFFLINE = 'ALLOWED_OFFLINE',
  NEVER = 'NEVER',
}

// ---- mod_commands.asciidoc ----

export enum CommandType {
  CANCEL_RESERVATION = 'CANCEL_RESERVATION',
  RESERVE_NOW = 'RESERVE_NOW',
  START_SESSION = 'START_SESSION',
  STOP_SESSION = 'STOP_SESSION',
  UNLOCK_CONNECTOR = 'UNLOCK_CONNECTOR',
}

export enum CommandResponseType {
  NOT_SUPPORTED = 'NOT_SUPPORTED',
  REJECTED = 'REJECTED',
  ACCEPTED = 'ACCEPTED',
  UNKNOWN_SESSION = 'UNKNOWN_SESSION',
}

export enum CommandResultType {
  ACCEPTED = 'ACCEPTED',
  CANCELED_RESERVATION = 'CANCELED_RESERVATION',
  EVSE_OCCUPIED = 'EVSE_OCCUPIED',
  EVSE_INOPERATIVE = 'EVSE_INOPERATIVE',
  FAILED = 'FAILED',
  NOT_SUPPORTED = 'NOT_SUPPORTED',
  REJECTED = 'REJECTED',
  TIMEOUT = 'TIMEOUT',
  UNKNOWN_RESERVATION = 'UNKNOWN_RESERVATION',
}

// ---- mod_charging_profiles.asciidoc ----

export enum ChargingRateUnit {
  W = 'W',
  A = 'A',
}

export enum ChargingProfileResponseType {
  ACCEPTED = 'ACCEPTED',
  NOT_SUPPORTED = 'NOT_SUPPORTED',
  REJECTED = 'REJECTED',
  TOO_OFTEN = 'TOO_OFTEN',
  UNKNOWN_SESSION = 'UNKNOWN_SESSION',
}

export enum ChargingProfileResultType {
  ACCEPTED = 'ACCEPTED',
  REJECTED = 'REJECTED',
  UNKNOWN = 'UNKNOWN',
}

import type { CDR, CdrDimension, CdrToken, ChargingPeriod } from '../dto/cdrs.dto';
import type { Credentials, CredentialsRole } from '../dto/credentials.dto';
import { type CdrDimensionType, InterfaceRole, ModuleID, ParkingType, Role, TokenType } from '../dto/enums';
import type { Connector, EnergyMix, EVSE, Hours, Location } from '../dto/locations.dto';
import type { Session } from '../dto/sessions.dto';
import type { Tariff } from '../dto/tariffs.dto';
import type { LocationReferences, Token } from '../dto/tokens.dto';
import type { PartyId } from '../party';
import type {
  Cdr211,
  ChargingPeriod211,
  CommandResponse211,
  ConnectorObject211,
  Credentials211,
  Endpoint211,
  EnergyMix211,
  EvseObject211,
  Hours211,
  Location211,
  LocationObject211,
  LocationReferences211,
  LocationType211,
  Session211,
  Tariff211,
  TOKEN_TYPES_211,
  Token211,
} from './v211.dto';

/**
 * 2.1.1 objects to and from the model. Pure. What the model has no place for (2.1.1's FLAT
 * dimension, the rest of the inline Location) stays in the raw request the log keeps.
 */

/** What the object itself does not say in 2.1.1: the CPO party (from the URL or the credentials), and whose token it is. */
export interface From211 {
  party: PartyId;
  /** The eMSP party of a token whose auth_id is not an eMA ID (ours, when we are its only eMSP). */
  tokenParty: PartyId;
  /** When we received it: a 2.1.1 PATCH need not carry last_updated, so this stands for it. */
  receivedAt?: string;
}

/** An eMA ID (ISO 15118 / eMI3) starts with the issuer's country code and party id: NL-RLG-C12345678-X, DE8ACC12E46L89. */
const EMA_ID_PARTY = /^([A-Za-z]{2})[-*]?([A-Za-z0-9]{3})/;

/** 2.1.1's `auth_id` is the token's contract id (Token.auth_id); the uid it was read from is not sent. */
export function cdrTokenFrom211(authId: string, context: From211): CdrToken {
  const ema = EMA_ID_PARTY.exec(authId);
  const party = ema ? { countryCode: ema[1].toUpperCase(), partyId: ema[2].toUpperCase() } : context.tokenParty;
  return { country_code: party.countryCode, party_id: party.partyId, uid: authId, type: TokenType.OTHER, contract_id: authId };
}

function chargingPeriodsFrom211(periods: ChargingPeriod211[]): ChargingPeriod[] {
  return periods.map((period) => ({
    start_date_time: period.start_date_time,
    dimensions: period.dimensions
      .filter((dimension) => dimension.type !== 'FLAT')
      .map((dimension): CdrDimension => ({ type: dimension.type as CdrDimensionType, volume: dimension.volume })),
  }));
}

function placeFrom211(location: Location211) {
  const evse = location.evses[0];
  return { location_id: location.id, evse_uid: evse.uid, connector_id: evse.connectors[0].id };
}

export function sessionFrom211(wire: Session211, context: From211): Session {
  return {
    country_code: context.party.countryCode,
    party_id: context.party.partyId,
    id: wire.id,
    start_date_time: wire.start_datetime,
    ...(wire.end_datetime ? { end_date_time: wire.end_datetime } : {}),
    kwh: wire.kwh,
    cdr_token: cdrTokenFrom211(wire.auth_id, context),
    auth_method: wire.auth_method,
    ...placeFrom211(wire.location),
    ...(wire.meter_id ? { meter_id: wire.meter_id } : {}),
    currency: wire.currency,
    ...(wire.charging_periods ? { charging_periods: chargingPeriodsFrom211(wire.charging_periods) } : {}),
    ...(wire.total_cost !== undefined ? { total_cost: { excl_vat: wire.total_cost } } : {}),
    status: wire.status,
    last_updated: wire.last_updated,
  };
}

/** A 2.1.1 PATCH: only the fields sent, renamed and reshaped as the model names them. */
export function sessionPatchFrom211(wire: Partial<Session211>, context: From211): Partial<Session> {
  const patch: Partial<Session> = {};
  if (wire.start_datetime !== undefined) patch.start_date_time = wire.start_datetime;
  if (wire.end_datetime !== undefined) patch.end_date_time = wire.end_datetime;
  if (wire.kwh !== undefined) patch.kwh = wire.kwh;
  if (wire.auth_id !== undefined) patch.cdr_token = cdrTokenFrom211(wire.auth_id, context);
  if (wire.auth_method !== undefined) patch.auth_method = wire.auth_method;
  if (wire.location !== undefined) Object.assign(patch, placeFrom211(wire.location));
  if (wire.meter_id !== undefined) patch.meter_id = wire.meter_id;
  if (wire.currency !== undefined) patch.currency = wire.currency;
  if (wire.charging_periods !== undefined) patch.charging_periods = chargingPeriodsFrom211(wire.charging_periods);
  if (wire.total_cost !== undefined) patch.total_cost = { excl_vat: wire.total_cost };
  if (wire.status !== undefined) patch.status = wire.status;
  const lastUpdated = wire.last_updated ?? context.receivedAt;
  if (lastUpdated !== undefined) patch.last_updated = lastUpdated;
  return patch;
}

/** The model's Session as a 2.1.1 partner reads it (GET): the Location reduced to the ids the model holds. */
export function sessionTo211(session: Session) {
  return {
    id: session.id,
    start_datetime: session.start_date_time,
    ...(session.end_date_time ? { end_datetime: session.end_date_time } : {}),
    kwh: session.kwh,
    auth_id: session.cdr_token.contract_id,
    auth_method: session.auth_method,
    location: { id: session.location_id, evses: [{ uid: session.evse_uid, connectors: [{ id: session.connector_id }] }] },
    ...(session.meter_id ? { meter_id: session.meter_id } : {}),
    currency: session.currency,
    ...(session.charging_periods ? { charging_periods: session.charging_periods } : {}),
    ...(session.total_cost ? { total_cost: session.total_cost.excl_vat } : {}),
    status: session.status,
    last_updated: session.last_updated,
  };
}

export function cdrFrom211(wire: Cdr211, context: From211): CDR {
  const evse = wire.location.evses[0];
  const connector = evse.connectors[0];
  return {
    country_code: context.party.countryCode,
    party_id: context.party.partyId,
    id: wire.id,
    start_date_time: wire.start_date_time,
    end_date_time: wire.stop_date_time,
    cdr_token: cdrTokenFrom211(wire.auth_id, context),
    auth_method: wire.auth_method,
    cdr_location: {
      id: wire.location.id,
      ...(wire.location.name ? { name: wire.location.name } : {}),
      address: wire.location.address,
      city: wire.location.city,
      postal_code: wire.location.postal_code,
      country: wire.location.country,
      coordinates: wire.location.coordinates,
      evse_uid: evse.uid,
      // evse_id is optional in 2.1.1 and required in the model: the uid is the EVSE's id then.
      evse_id: evse.evse_id ?? evse.uid,
      connector_id: connector.id,
      connector_standard: connector.standard,
      connector_format: connector.format,
      connector_power_type: connector.power_type,
    },
    ...(wire.meter_id ? { meter_id: wire.meter_id } : {}),
    currency: wire.currency,
    ...(wire.tariffs ? { tariffs: wire.tariffs.map((tariff) => tariffFrom211(tariff, context)) } : {}),
    charging_periods: chargingPeriodsFrom211(wire.charging_periods),
    total_cost: { excl_vat: wire.total_cost },
    total_energy: wire.total_energy,
    total_time: wire.total_time,
    ...(wire.total_parking_time !== undefined ? { total_parking_time: wire.total_parking_time } : {}),
    ...(wire.remark ? { remark: wire.remark } : {}),
    last_updated: wire.last_updated,
  };
}

/** The model's CDR as a 2.1.1 partner reads it (GET at the URL its POST was answered with). */
export function cdrTo211(cdr: CDR) {
  const place = cdr.cdr_location;
  return {
    id: cdr.id,
    start_date_time: cdr.start_date_time,
    stop_date_time: cdr.end_date_time,
    auth_id: cdr.cdr_token.contract_id,
    auth_method: cdr.auth_method,
    location: {
      id: place.id,
      ...(place.name ? { name: place.name } : {}),
      address: place.address,
      city: place.city,
      ...(place.postal_code ? { postal_code: place.postal_code } : {}),
      country: place.country,
      coordinates: place.coordinates,
      evses: [
        {
          uid: place.evse_uid,
          evse_id: place.evse_id,
          connectors: [
            {
              id: place.connector_id,
              standard: place.connector_standard,
              format: place.connector_format,
              power_type: place.connector_power_type,
            },
          ],
        },
      ],
    },
    ...(cdr.meter_id ? { meter_id: cdr.meter_id } : {}),
    currency: cdr.currency,
    ...(cdr.tariffs ? { tariffs: cdr.tariffs.map(tariffTo211) } : {}),
    charging_periods: cdr.charging_periods,
    total_cost: cdr.total_cost.excl_vat,
    total_energy: cdr.total_energy,
    total_time: cdr.total_time,
    ...(cdr.total_parking_time !== undefined ? { total_parking_time: cdr.total_parking_time } : {}),
    ...(cdr.remark ? { remark: cdr.remark } : {}),
    last_updated: cdr.last_updated,
  };
}

/**
 * 2.1.1 credentials name one party and no role: the role is the one the connection was set up
 * for (the invitation's), or CPO when we connect to a 2.1.1 platform, the only kind we call.
 */
export function credentialsFrom211(wire: Credentials211, role: Role = Role.CPO): Credentials {
  const roles: CredentialsRole[] = [
    { role, country_code: wire.country_code, party_id: wire.party_id, business_details: wire.business_details },
  ];
  return { token: wire.token, url: wire.url, roles };
}

/** Our credentials as 2.1.1 has them: the first of our parties, at the top level. */
export function credentialsTo211(credentials: Credentials): Credentials211 {
  const [first] = credentials.roles;
  return {
    token: credentials.token,
    url: credentials.url,
    business_details: first.business_details,
    party_id: first.party_id,
    country_code: first.country_code,
  };
}

/**
 * A 2.1.1 partner's endpoints with the interface roles 2.2 made explicit: a CPO's tokens and
 * commands endpoints receive, its other modules send, and credentials do both.
 */
export function endpointsFrom211(endpoints: Endpoint211[]): Array<{ identifier: string; role: InterfaceRole; url: string }> {
  return endpoints.flatMap(({ identifier, url }) => {
    if (identifier === ModuleID.CREDENTIALS) {
      return [InterfaceRole.SENDER, InterfaceRole.RECEIVER].map((role) => ({ identifier, role, url }));
    }
    const receives = identifier === ModuleID.TOKENS || identifier === ModuleID.COMMANDS;
    return [{ identifier, role: receives ? InterfaceRole.RECEIVER : InterfaceRole.SENDER, url }];
  });
}

/**
 * A model Token (or the fields of a Token PATCH) as a 2.1.1 CPO takes it: `auth_id` for the
 * contract id; no party (the URL names it), group, profile or energy contract, which 2.1.1 lacks.
 */
export function tokenTo211(token: Record<string, unknown>): Record<string, unknown> {
  const { country_code, party_id, contract_id, group_id, default_profile_type, energy_contract, ...rest } = token;
  return {
    ...rest,
    ...(rest.type !== undefined ? { type: tokenTypeTo211(String(rest.type)) } : {}),
    ...(contract_id !== undefined ? { auth_id: contract_id } : {}),
  };
}

/** 2.2's APP_USER and AD_HOC_USER are OTHER in 2.1.1. */
export function tokenTypeTo211(type: string): (typeof TOKEN_TYPES_211)[number] {
  return type === 'RFID' ? 'RFID' : 'OTHER';
}

/** The token types of the model a 2.1.1 type stands for (its authorize names one of them). */
export function tokenTypesFrom211(type: (typeof TOKEN_TYPES_211)[number]): TokenType[] {
  return type === 'RFID' ? [TokenType.RFID] : [TokenType.OTHER, TokenType.APP_USER, TokenType.AD_HOC_USER];
}

/** A 2.1.1 authorization's location as the model's (its connector_ids stay in the raw request). */
export function locationReferencesFrom211(wire: LocationReferences211): LocationReferences {
  return defined({ location_id: wire.location_id, evse_uids: wire.evse_uids });
}

/**
 * The AuthorizationInfo a 2.1.1 CPO takes: `allowed`, the location as it asked (when allowed) and
 * `info`; 2.1.1 has no token echo and no authorization_reference.
 */
export function authorizationInfoTo211(
  allowed: string,
  location: LocationReferences211 | undefined,
  info?: { language: string; text: string },
) {
  return defined({ allowed, location: allowed === 'ALLOWED' ? location : undefined, info });
}

// ---- Locations ----

const PARKING_TYPES_211: Partial<Record<LocationType211, ParkingType>> = {
  ON_STREET: ParkingType.ON_STREET,
  PARKING_GARAGE: ParkingType.PARKING_GARAGE,
  UNDERGROUND_GARAGE: ParkingType.UNDERGROUND_GARAGE,
  PARKING_LOT: ParkingType.PARKING_LOT,
};

/** Drops the keys whose value is undefined: a mapped object holds only what was sent. */
function defined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

export function connectorFrom211(wire: ConnectorObject211): Connector {
  return defined({
    id: wire.id,
    standard: wire.standard,
    format: wire.format,
    power_type: wire.power_type,
    max_voltage: wire.voltage,
    max_amperage: wire.amperage,
    tariff_ids: wire.tariff_id !== undefined ? [wire.tariff_id] : undefined,
    terms_and_conditions: wire.terms_and_conditions,
    last_updated: wire.last_updated,
  });
}

/** A Connector PATCH: 2.1.1's names as the model has them (a `tariff_id` becomes the one-element `tariff_ids`). */
export function connectorPatchFrom211(wire: Partial<ConnectorObject211>): Partial<Connector> {
  const { voltage, amperage, tariff_id, ...same } = wire;
  return defined({
    ...same,
    max_voltage: voltage,
    max_amperage: amperage,
    tariff_ids: tariff_id === undefined ? undefined : tariff_id === null ? [] : [tariff_id],
  });
}

export function connectorTo211(connector: Connector) {
  const { max_voltage, max_amperage, max_electric_power, tariff_ids, ...same } = connector;
  return defined({ ...same, voltage: max_voltage, amperage: max_amperage, tariff_id: tariff_ids?.[0] });
}

export function evseFrom211(wire: EvseObject211): EVSE {
  return defined({ ...wire, connectors: wire.connectors.map(connectorFrom211) });
}

export function evsePatchFrom211(wire: Partial<EvseObject211>): Partial<EVSE> {
  return defined({ ...wire, connectors: wire.connectors?.map(connectorFrom211) });
}

export function evseTo211(evse: EVSE) {
  return defined({ ...evse, connectors: evse.connectors.map(connectorTo211) });
}

function energyMixFrom211(wire: EnergyMix211): EnergyMix {
  const { environ_impact, ...same } = wire;
  return defined({
    ...same,
    environ_impact: environ_impact?.map(({ source, amount }) => ({ category: source, amount })),
  });
}

function energyMixTo211(mix: EnergyMix) {
  const { environ_impact, ...same } = mix;
  return defined({ ...same, environ_impact: environ_impact?.map(({ category, amount }) => ({ source: category, amount })) });
}

/** 2.1.1's choice of regular hours or 24/7 as the model's Hours, where twentyfourseven is always said. */
function hoursFrom211(wire: Hours211): Hours {
  return defined({ ...wire, twentyfourseven: wire.twentyfourseven ?? false });
}

/**
 * A 2.1.1 Location as the model's: the party from the URL; `publish` true (2.1.1 shows every
 * Location to every eMSP); `type` as parking_type where 2.2 kept the value (OTHER and UNKNOWN stay
 * in the raw request the log keeps); time_zone only when the CPO gave one (2.1.1 makes it optional,
 * and we do not guess one: pricing reads such a location's restrictions in UTC and says so).
 */
export function locationFrom211(wire: LocationObject211, context: Pick<From211, 'party'>): Location {
  const { type, evses, opening_times, energy_mix, ...same } = wire;
  return defined({
    country_code: context.party.countryCode,
    party_id: context.party.partyId,
    ...same,
    publish: true,
    parking_type: PARKING_TYPES_211[type],
    evses: evses?.map(evseFrom211),
    opening_times: opening_times && hoursFrom211(opening_times),
    energy_mix: energy_mix && energyMixFrom211(energy_mix),
  }) as Location;
}

/** A 2.1.1 Location PATCH; a `type` 2.2 has no parking type for removes the one held. */
export function locationPatchFrom211(wire: Partial<LocationObject211>): Partial<Location> {
  const { type, evses, opening_times, energy_mix, ...same } = wire;
  const patch: Partial<Location> = defined({
    ...same,
    evses: evses?.map(evseFrom211),
    opening_times: opening_times && hoursFrom211(opening_times),
    energy_mix: energy_mix && energyMixFrom211(energy_mix),
  });
  if (type !== undefined) (patch as Record<string, unknown>).parking_type = PARKING_TYPES_211[type] ?? null;
  return patch;
}

/** The model's Location as a 2.1.1 CPO reads it back (GET). */
export function locationTo211(location: Location) {
  const { country_code, party_id, publish, publish_allowed_to, state, parking_type, evses, energy_mix, ...same } = location;
  return defined({
    ...same,
    type: parking_type ?? 'UNKNOWN',
    evses: evses?.map(evseTo211),
    energy_mix: energy_mix && energyMixTo211(energy_mix),
  });
}

// ---- Tariffs ----

/** A 2.1.1 Tariff as the model's: the party from the URL (or the CDR's CPO). Prices carry no `vat`: 2.1.1 does not say. */
export function tariffFrom211(wire: Tariff211, context: Pick<From211, 'party' | 'receivedAt'>): Tariff {
  const { energy_mix, ...same } = wire;
  return defined({
    country_code: context.party.countryCode,
    party_id: context.party.partyId,
    ...same,
    last_updated: wire.last_updated ?? context.receivedAt,
    elements: wire.elements.map((element) => defined({ ...element })),
    energy_mix: energy_mix && energyMixFrom211(energy_mix),
  }) as Tariff;
}

/** The model's Tariff as a 2.1.1 CPO reads it back (GET). */
export function tariffTo211(tariff: Tariff) {
  const { country_code, party_id, type, min_price, max_price, start_date_time, end_date_time, energy_mix, ...same } = tariff;
  return defined({
    ...same,
    elements: tariff.elements.map((element) =>
      defined({
        ...element,
        price_components: element.price_components.map(({ type, price, step_size }) => ({ type, price, step_size })),
      }),
    ),
    energy_mix: energy_mix && energyMixTo211(energy_mix),
  });
}

/** A 2.1.1 Tariff PATCH (2.2 dropped it): the fields sent, as the model has them, to lay over the Tariff held. */
export function tariffPatchFrom211(wire: Partial<Tariff211>): Partial<Tariff> {
  const { energy_mix, ...same } = wire;
  return defined({ ...same, energy_mix: energy_mix && energyMixFrom211(energy_mix) });
}

// ---- Commands ----

/** 2.1.1 has no CANCEL_RESERVATION (2.2 added it). */
export const COMMAND_TYPES_211: readonly string[] = ['RESERVE_NOW', 'START_SESSION', 'STOP_SESSION', 'UNLOCK_CONNECTOR'];

/**
 * A command's request (the model's, validated) as a 2.1.1 CPO takes it: the Token in 2.1.1 shape;
 * no authorization_reference or connector_id to start on (2.1.1 has none); a reservation id an
 * int. Undefined with the reason when 2.1.1 cannot say it.
 */
export function commandTo211(
  command: string,
  request: Record<string, unknown>,
): { ok: true; request: Record<string, unknown> } | { ok: false; reason: string } {
  if (!COMMAND_TYPES_211.includes(command)) return { ok: false, reason: `${command} is not part of OCPI 2.1.1` };
  const { authorization_reference, connector_id, token, reservation_id, ...same } = request;
  const mapped: Record<string, unknown> = {
    ...same,
    ...(token ? { token: tokenTo211(token as Record<string, unknown>) } : {}),
  };
  if (command === 'UNLOCK_CONNECTOR') mapped.connector_id = connector_id;
  if (reservation_id !== undefined) {
    if (!/^\d{1,9}$/.test(String(reservation_id))) {
      return { ok: false, reason: `reservation_id must be an integer in OCPI 2.1.1, got "${reservation_id}"` };
    }
    mapped.reservation_id = Number(reservation_id);
  }
  return { ok: true, request: mapped };
}

/** The CPO's 2.1.1 answer as the model's CommandResponse; 2.1.1 gives no timeout, so we say how long we wait. */
export function commandResponseFrom211(wire: CommandResponse211, timeoutSeconds: number) {
  if (wire.result === 'TIMEOUT') {
    return { result: 'REJECTED', timeout: timeoutSeconds, message: [{ language: 'en', text: 'TIMEOUT (OCPI 2.1.1)' }] };
  }
  return { result: wire.result, timeout: timeoutSeconds };
}

/** The result a 2.1.1 CPO POSTs to our response_url (a CommandResponse there) as the model's CommandResult. */
export function commandResultFrom211(wire: CommandResponse211) {
  if (wire.result === 'UNKNOWN_SESSION') {
    return { result: 'FAILED', message: [{ language: 'en', text: 'UNKNOWN_SESSION (OCPI 2.1.1)' }] };
  }
  return { result: wire.result };
}

/** A 2.1.1 Token as the model's (the eMSP party from the URL); the inverse of tokenTo211. */
export function tokenFrom211(wire: Token211, context: Pick<From211, 'party'>): Token {
  const { auth_id, ...same } = wire;
  return defined({
    country_code: context.party.countryCode,
    party_id: context.party.partyId,
    ...same,
    type: same.type as TokenType,
    contract_id: auth_id,
  }) as Token;
}

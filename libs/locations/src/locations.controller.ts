import { Body, Delete, Get, Param, Patch, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Connector, EVSE, Location, v211, v230 } from '@roamledger/ocpi';
import {
  assertBodyMatchesUrl,
  Exchange,
  OcpiController,
  OcpiError,
  type OcpiExchange,
  OcpiStatus,
  ocpiResponse,
  ownPartyOf,
  parseOcpiBody,
  parseOcpiBody230,
  parseOcpiPatch,
  parseOcpiPatch230,
} from '@roamledger/ocpi-transport';
import type { FastifyReply } from 'fastify';
import {
  LOCATIONS_ROUTES,
  type LocationHandled,
  LocationStreams,
  PatchConnector,
  PatchEvse,
  PatchLocation,
  PutConnector,
  PutEvse,
  PutLocation,
} from './location.commands';
import { UnknownLocationObject } from './location.decider';
import type { ConnectorPatch, EvsePatch, EvseRef, LocationPatch, LocationRef } from './location.events';

const LOCATION_PATH = ':country_code/:party_id/:location_id';
const EVSE_PATH = `${LOCATION_PATH}/:evse_uid`;
const CONNECTOR_PATH = `${EVSE_PATH}/:connector_id`;

interface Params {
  country_code: string;
  party_id: string;
  location_id: string;
  evse_uid?: string;
  connector_id?: string;
}

const NO_DELETE = 'DELETE is not part of the Locations Receiver interface: set the EVSE status to REMOVED (PUT or PATCH)';
const NO_POST = 'POST is not part of the Locations Receiver interface; use PUT';

/**
 * eMSP Locations Receiver interface (mod_locations): GET, PUT and PATCH of a Location, an EVSE or
 * a Connector of a CPO. A PUT or PATCH under a location or EVSE we do not hold is refused with
 * 2003 (Unknown Location) and HTTP 404: the CPO's recovery is GET then PUT (transport_and_format, PATCH).
 * In 2.3.0 the objects are read as v230's classes (open enums, Parking and the other new fields,
 * undocumented fields kept with the object) and answered as held: the model keeps what 2.3.0 added.
 */
/** POST and DELETE are not part of the Locations Receiver in any version: both controllers refuse them. */
abstract class LocationsReceiverRefusals {
  @Post(LOCATION_PATH)
  postLocation(): never {
    throw OcpiError.methodNotAllowed(NO_POST);
  }

  @Post(EVSE_PATH)
  postEvse(): never {
    throw OcpiError.methodNotAllowed(NO_POST);
  }

  @Post(CONNECTOR_PATH)
  postConnector(): never {
    throw OcpiError.methodNotAllowed(NO_POST);
  }

  @Delete(LOCATION_PATH)
  deleteLocation(): never {
    throw OcpiError.methodNotAllowed(NO_DELETE);
  }

  @Delete(EVSE_PATH)
  deleteEvse(): never {
    throw OcpiError.methodNotAllowed(NO_DELETE);
  }

  @Delete(CONNECTOR_PATH)
  deleteConnector(): never {
    throw OcpiError.methodNotAllowed(NO_DELETE);
  }
}

@OcpiController(Object.values(LOCATIONS_ROUTES))
export class LocationsController extends LocationsReceiverRefusals {
  constructor(
    private readonly commands: CommandBus,
    private readonly locations: LocationStreams,
  ) {
    super();
  }

  @Get(LOCATION_PATH)
  async getLocation(@Exchange() exchange: OcpiExchange, @Param() params: Params) {
    const location = await this.locations.location(ownPartyOf(exchange, params), params.location_id);
    if (!location) throw OcpiError.notFound(`Unknown location ${describe(params)}`, OcpiStatus.UnknownLocation);
    return ocpiResponse(location);
  }

  @Get(EVSE_PATH)
  async getEvse(@Exchange() exchange: OcpiExchange, @Param() params: Params) {
    const evse = await this.locations.evse(ownPartyOf(exchange, params), params.location_id, params.evse_uid as string);
    if (!evse) throw OcpiError.notFound(`Unknown EVSE ${describe(params)}`, OcpiStatus.UnknownLocation);
    return ocpiResponse(evse);
  }

  @Get(CONNECTOR_PATH)
  async getConnector(@Exchange() exchange: OcpiExchange, @Param() params: Params) {
    const evse = await this.locations.evse(ownPartyOf(exchange, params), params.location_id, params.evse_uid as string);
    const connector = evse?.connectors.find((c) => c.id.toUpperCase() === params.connector_id?.toUpperCase());
    if (!connector) throw OcpiError.notFound(`Unknown connector ${describe(params)}`, OcpiStatus.UnknownLocation);
    return ocpiResponse(connector);
  }

  @Put(LOCATION_PATH)
  async putLocation(
    @Exchange() exchange: OcpiExchange,
    @Param() params: Params,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    ownPartyOf(exchange, params);
    const location = exchange.version === '2.3.0' ? parseOcpiBody230(v230.Location230, body) : parseOcpiBody(Location, body);
    assertBodyMatchesUrl(
      ['country_code', params.country_code, location.country_code],
      ['party_id', params.party_id, location.party_id],
      ['id', params.location_id, location.id],
    );
    return this.answer(reply, new PutLocation(location, causeOf(exchange)));
  }

  @Put(EVSE_PATH)
  async putEvse(
    @Exchange() exchange: OcpiExchange,
    @Param() params: Params,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    ownPartyOf(exchange, params);
    const evse = exchange.version === '2.3.0' ? parseOcpiBody230(v230.EVSE230, body) : parseOcpiBody(EVSE, body);
    assertBodyMatchesUrl(['uid', params.evse_uid, evse.uid]);
    return this.answer(reply, new PutEvse(evseRef(params), evse, causeOf(exchange)));
  }

  @Put(CONNECTOR_PATH)
  async putConnector(
    @Exchange() exchange: OcpiExchange,
    @Param() params: Params,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    ownPartyOf(exchange, params);
    const connector = exchange.version === '2.3.0' ? parseOcpiBody230(v230.Connector230, body) : parseOcpiBody(Connector, body);
    assertBodyMatchesUrl(['id', params.connector_id, connector.id]);
    return this.answer(reply, new PutConnector(evseRef(params), connector, causeOf(exchange)));
  }

  @Patch(LOCATION_PATH)
  async patchLocation(
    @Exchange() exchange: OcpiExchange,
    @Param() params: Params,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    ownPartyOf(exchange, params);
    const patch = (
      exchange.version === '2.3.0' ? parseOcpiPatch230(v230.Location230, body) : parseOcpiPatch(Location, body)
    ) as LocationPatch;
    assertBodyMatchesUrl(
      ['country_code', params.country_code, patch.country_code],
      ['party_id', params.party_id, patch.party_id],
      ['id', params.location_id, patch.id],
    );
    return this.answer(reply, new PatchLocation(locationRef(params), patch, causeOf(exchange)));
  }

  @Patch(EVSE_PATH)
  async patchEvse(
    @Exchange() exchange: OcpiExchange,
    @Param() params: Params,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    ownPartyOf(exchange, params);
    const patch = (
      exchange.version === '2.3.0' ? parseOcpiPatch230(v230.EVSE230, body) : parseOcpiPatch(EVSE, body)
    ) as EvsePatch;
    assertBodyMatchesUrl(['uid', params.evse_uid, patch.uid]);
    return this.answer(reply, new PatchEvse(evseRef(params), patch, causeOf(exchange)));
  }

  @Patch(CONNECTOR_PATH)
  async patchConnector(
    @Exchange() exchange: OcpiExchange,
    @Param() params: Params,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    ownPartyOf(exchange, params);
    const patch = (
      exchange.version === '2.3.0' ? parseOcpiPatch230(v230.Connector230, body) : parseOcpiPatch(Connector, body)
    ) as ConnectorPatch;
    assertBodyMatchesUrl(['id', params.connector_id, patch.id]);
    return this.answer(reply, new PatchConnector(evseRef(params), params.connector_id as string, patch, causeOf(exchange)));
  }

  private async answer(reply: FastifyReply, command: LocationsCommand) {
    return answer(this.commands, reply, command);
  }
}

type LocationsCommand = PutLocation | PatchLocation | PutEvse | PatchEvse | PutConnector | PatchConnector;

/** Runs a command of the receiver and answers as mod_locations asks, in every version. */
async function answer(commands: CommandBus, reply: FastifyReply, command: LocationsCommand) {
  let handled: LocationHandled;
  try {
    handled = await commands.execute(command);
  } catch (error) {
    if (error instanceof UnknownLocationObject) throw OcpiError.notFound(error.message, OcpiStatus.UnknownLocation);
    throw error;
  }
  // status_codes: 201 when the object was created, 200 when an existing one was updated.
  reply.status(handled.created ? 201 : 200);
  return ocpiResponse(null, OcpiStatus.Success, notice(handled));
}

function causeOf(exchange: OcpiExchange) {
  return { cause: exchange.requestEvent(), metadata: exchange.metadata() };
}

function locationRef(params: Params): LocationRef {
  return { country_code: params.country_code, party_id: params.party_id, location_id: params.location_id };
}

function evseRef(params: Params): EvseRef {
  return { ...locationRef(params), evse_uid: params.evse_uid as string };
}

/** Tells the CPO what became of an accepted update that did not apply. */
function notice(handled: LocationHandled): string | undefined {
  const notes = handled.events.flatMap((event) =>
    event.type === 'StaleLocationUpdateReceived'
      ? [
          `kept, but the ${event.data.level}'s last_updated ${event.data.last_updated} is older than the one we hold (${event.data.held_last_updated}): nothing changed`,
        ]
      : [],
  );
  return notes.length ? notes.join('; ') : undefined;
}

function describe(params: Params): string {
  return `${params.country_code}*${params.party_id} ${[params.location_id, params.evse_uid, params.connector_id].filter(Boolean).join('/')}`;
}

/** The eMSP Locations Receiver route in 2.1.1. */
export const LOCATIONS_211_ROUTE = 'ocpi/emsp/2.1.1/locations';

/**
 * The Locations Receiver in 2.1.1 (mod_locations.md): the same interface and commands, with 2.1.1's
 * objects mapped to the model here, at the edge (v211): no party or `publish` in the Location, a
 * connector's single `tariff_id`. A 2.1.1 PATCH need not carry last_updated (its own examples do
 * not): the time we received it stands for it, as for 2.1.1 Sessions.
 */
@OcpiController(LOCATIONS_211_ROUTE)
export class Locations211Controller extends LocationsReceiverRefusals {
  constructor(
    private readonly commands: CommandBus,
    private readonly locations: LocationStreams,
  ) {
    super();
  }

  @Get(LOCATION_PATH)
  async getLocation(@Exchange() exchange: OcpiExchange, @Param() params: Params) {
    const location = await this.locations.location(ownPartyOf(exchange, params), params.location_id);
    if (!location) throw OcpiError.notFound(`Unknown location ${describe(params)}`, OcpiStatus.UnknownLocation);
    return ocpiResponse(v211.locationTo211(location));
  }

  @Get(EVSE_PATH)
  async getEvse(@Exchange() exchange: OcpiExchange, @Param() params: Params) {
    const evse = await this.locations.evse(ownPartyOf(exchange, params), params.location_id, params.evse_uid as string);
    if (!evse) throw OcpiError.notFound(`Unknown EVSE ${describe(params)}`, OcpiStatus.UnknownLocation);
    return ocpiResponse(v211.evseTo211(evse));
  }

  @Get(CONNECTOR_PATH)
  async getConnector(@Exchange() exchange: OcpiExchange, @Param() params: Params) {
    const evse = await this.locations.evse(ownPartyOf(exchange, params), params.location_id, params.evse_uid as string);
    const connector = evse?.connectors.find((c) => c.id.toUpperCase() === params.connector_id?.toUpperCase());
    if (!connector) throw OcpiError.notFound(`Unknown connector ${describe(params)}`, OcpiStatus.UnknownLocation);
    return ocpiResponse(v211.connectorTo211(connector));
  }

  @Put(LOCATION_PATH)
  async putLocation(
    @Exchange() exchange: OcpiExchange,
    @Param() params: Params,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const party = ownPartyOf(exchange, params);
    const wire = parseOcpiBody(v211.LocationObject211, body);
    assertBodyMatchesUrl(['id', params.location_id, wire.id]);
    return answer(this.commands, reply, new PutLocation(v211.locationFrom211(wire, { party }), causeOf(exchange)));
  }

  @Put(EVSE_PATH)
  async putEvse(
    @Exchange() exchange: OcpiExchange,
    @Param() params: Params,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    ownPartyOf(exchange, params);
    const wire = parseOcpiBody(v211.EvseObject211, body);
    assertBodyMatchesUrl(['uid', params.evse_uid, wire.uid]);
    return answer(this.commands, reply, new PutEvse(evseRef(params), v211.evseFrom211(wire), causeOf(exchange)));
  }

  @Put(CONNECTOR_PATH)
  async putConnector(
    @Exchange() exchange: OcpiExchange,
    @Param() params: Params,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    ownPartyOf(exchange, params);
    const wire = parseOcpiBody(v211.ConnectorObject211, body);
    assertBodyMatchesUrl(['id', params.connector_id, wire.id]);
    return answer(this.commands, reply, new PutConnector(evseRef(params), v211.connectorFrom211(wire), causeOf(exchange)));
  }

  @Patch(LOCATION_PATH)
  async patchLocation(
    @Exchange() exchange: OcpiExchange,
    @Param() params: Params,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    ownPartyOf(exchange, params);
    const wire = parseOcpiPatch(v211.LocationObject211, body, []);
    assertBodyMatchesUrl(['id', params.location_id, wire.id]);
    const patch = stamped(v211.locationPatchFrom211(wire), exchange) as LocationPatch;
    return answer(this.commands, reply, new PatchLocation(locationRef(params), patch, causeOf(exchange)));
  }

  @Patch(EVSE_PATH)
  async patchEvse(
    @Exchange() exchange: OcpiExchange,
    @Param() params: Params,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    ownPartyOf(exchange, params);
    const wire = parseOcpiPatch(v211.EvseObject211, body, []);
    assertBodyMatchesUrl(['uid', params.evse_uid, wire.uid]);
    const patch = stamped(v211.evsePatchFrom211(wire), exchange) as EvsePatch;
    return answer(this.commands, reply, new PatchEvse(evseRef(params), patch, causeOf(exchange)));
  }

  @Patch(CONNECTOR_PATH)
  async patchConnector(
    @Exchange() exchange: OcpiExchange,
    @Param() params: Params,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    ownPartyOf(exchange, params);
    const wire = parseOcpiPatch(v211.ConnectorObject211, body, []);
    assertBodyMatchesUrl(['id', params.connector_id, wire.id]);
    const patch = stamped(v211.connectorPatchFrom211(wire), exchange) as ConnectorPatch;
    return answer(
      this.commands,
      reply,
      new PatchConnector(evseRef(params), params.connector_id as string, patch, causeOf(exchange)),
    );
  }
}

/** A 2.1.1 PATCH without last_updated: the time we received it stands for it. */
function stamped<T extends { last_updated?: string }>(patch: T, exchange: OcpiExchange): T & { last_updated: string } {
  return { ...patch, last_updated: patch.last_updated ?? exchange.receivedAt };
}

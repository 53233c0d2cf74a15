import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { currentState, EVENT_STORE, type EventStore, type HandleOptions, handleCommand } from '@roamledger/event-store';
import type { Decider, DomainEvent } from '@roamledger/kernel';
import { versionRoutes } from '@roamledger/module-kit';
import type { Connector, EVSE, Location, PartyId } from '@roamledger/ocpi';
import { VersionNumber } from '@roamledger/ocpi/values';
import { type EvseCommand, type EvseState, evseDecider, evseStream } from './evse.decider';
import { type LocationCommand, type LocationState, latest, locationDecider, locationStream } from './location.decider';
import type {
  ConnectorPatch,
  EvseEvent,
  EvsePatch,
  EvseRef,
  LocationEvent,
  LocationFields,
  LocationPatch,
  LocationRef,
} from './location.events';

/** The eMSP Locations Receiver route in 2.2.1, and in each version it is offered in. */
export const LOCATIONS_ROUTE = 'ocpi/emsp/2.2.1/locations';
export const LOCATIONS_ROUTES = versionRoutes('ocpi/emsp/{version}/locations', [VersionNumber.V2_2_1, VersionNumber.V2_3_0]);

export interface LocationHandled {
  /** Every event decided, over the location's and its EVSEs' streams. */
  events: Array<LocationEvent | EvseEvent>;
  /** The object addressed did not exist before. */
  created: boolean;
  /** Global position of the last event appended (-1: nothing appended). */
  position: number;
}

/** How a command reaches the log: with the request (or pulled object) that caused it. */
export type LocationCommandOptions = HandleOptions & { pulled?: boolean };

/** A full Location on the CommandBus: a PUT, or one pulled from the CPO's Locations Sender. */
export class PutLocation extends Command<LocationHandled> {
  constructor(
    readonly location: Location,
    readonly options: LocationCommandOptions = {},
  ) {
    super();
  }
}

export class PatchLocation extends Command<LocationHandled> {
  constructor(
    readonly ref: LocationRef,
    readonly patch: LocationPatch,
    readonly options: HandleOptions = {},
  ) {
    super();
  }
}

export class PutEvse extends Command<LocationHandled> {
  constructor(
    readonly ref: EvseRef,
    readonly evse: EVSE,
    readonly options: HandleOptions = {},
  ) {
    super();
  }
}

/** The busiest command of roaming (EVSE status): reads and appends the EVSE's own stream only. */
export class PatchEvse extends Command<LocationHandled> {
  constructor(
    readonly ref: EvseRef,
    readonly patch: EvsePatch,
    readonly options: HandleOptions = {},
  ) {
    super();
  }
}

export class PutConnector extends Command<LocationHandled> {
  constructor(
    readonly ref: EvseRef,
    readonly connector: Connector,
    readonly options: HandleOptions = {},
  ) {
    super();
  }
}

export class PatchConnector extends Command<LocationHandled> {
  constructor(
    readonly ref: EvseRef,
    readonly connectorId: string,
    readonly patch: ConnectorPatch,
    readonly options: HandleOptions = {},
  ) {
    super();
  }
}

const partyOf = (ref: LocationRef): PartyId => ({ countryCode: ref.country_code, partyId: ref.party_id });

/**
 * Locations as the log holds them: a location's stream and one stream per EVSE. A command that
 * touches several streams appends its cause (the request) with the first events it decides.
 */
@Injectable()
export class LocationStreams {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async putLocation(location: Location, options: LocationCommandOptions): Promise<LocationHandled> {
    const { evses = [], ...fields } = location;
    const ref: LocationRef = { country_code: location.country_code, party_id: location.party_id, location_id: location.id };
    const run = new Run(this.store, options);
    const handled = await run.handle(locationStream(partyOf(ref), ref.location_id), locationDecider, {
      type: 'PutLocation',
      location: fields as LocationFields,
      evseUids: evses.map((evse) => evse.uid),
      ...(options.pulled ? { pulled: true } : {}),
    });
    for (const evse of evses)
      await this.evseCommand(
        run,
        { ...ref, evse_uid: evse.uid },
        {
          type: 'PutEvse',
          ref: { ...ref, evse_uid: evse.uid },
          evse,
          locationKnown: true,
          ...(options.pulled ? { pulled: true } : {}),
        },
      );
    return run.result(handled.events.some((event) => event.type === 'LocationPublished'));
  }

  async patchLocation(ref: LocationRef, patch: LocationPatch, options: HandleOptions): Promise<LocationHandled> {
    const { evses = [], ...fields } = patch;
    const run = new Run(this.store, options);
    await run.handle(locationStream(partyOf(ref), ref.location_id), locationDecider, {
      type: 'PatchLocation',
      ref,
      patch: fields,
      evseUids: evses.map((evse) => evse.uid),
    });
    // EVSEs in a Location PATCH are whole objects: each is put.
    for (const evse of evses)
      await this.evseCommand(
        run,
        { ...ref, evse_uid: evse.uid },
        { type: 'PutEvse', ref: { ...ref, evse_uid: evse.uid }, evse, locationKnown: true },
      );
    return run.result(false);
  }

  async putEvse(ref: EvseRef, evse: EVSE, options: HandleOptions): Promise<LocationHandled> {
    const location = await this.locationState(partyOf(ref), ref.location_id);
    const run = new Run(this.store, options);
    const handled = await this.evseCommand(run, ref, {
      type: 'PutEvse',
      ref,
      evse,
      locationKnown: location.location !== undefined,
    });
    const created = handled.events.some((event) => event.type === 'EvsePublished');
    if (created) {
      await run.handle(locationStream(partyOf(ref), ref.location_id), locationDecider, {
        type: 'AddEvse',
        ref: { country_code: ref.country_code, party_id: ref.party_id, location_id: ref.location_id },
        evseUid: ref.evse_uid,
        lastUpdated: evse.last_updated,
      });
    }
    return run.result(created);
  }

  async patchEvse(ref: EvseRef, patch: EvsePatch, options: HandleOptions): Promise<LocationHandled> {
    const run = new Run(this.store, options);
    await this.evseCommand(run, ref, { type: 'PatchEvse', ref, patch });
    return run.result(false);
  }

  async putConnector(ref: EvseRef, connector: Connector, options: HandleOptions): Promise<LocationHandled> {
    const run = new Run(this.store, options);
    const handled = await this.evseCommand(run, ref, { type: 'PutConnector', ref, connector });
    return run.result(handled.events.some((event) => event.type === 'ConnectorAdded'));
  }

  async patchConnector(
    ref: EvseRef,
    connectorId: string,
    patch: ConnectorPatch,
    options: HandleOptions,
  ): Promise<LocationHandled> {
    const run = new Run(this.store, options);
    await this.evseCommand(run, ref, { type: 'PatchConnector', ref, connectorId, patch });
    return run.result(false);
  }

  /** The Location as we hold it, EVSEs included; its last_updated is the latest of the tree's. */
  async location(party: PartyId, locationId: string): Promise<Location | undefined> {
    const state = await this.locationState(party, locationId);
    if (!state.location) return undefined;
    const evses = (await Promise.all(state.evseUids.map((uid) => this.evse(party, locationId, uid)))).filter(
      (evse): evse is EVSE => evse !== undefined,
    );
    const lastUpdated = evses.reduce((at, evse) => latest(at, evse.last_updated), state.location.last_updated);
    return { ...state.location, ...(evses.length ? { evses } : {}), last_updated: lastUpdated } as Location;
  }

  async evse(party: PartyId, locationId: string, evseUid: string): Promise<EVSE | undefined> {
    return (await this.evseState(party, locationId, evseUid)).evse;
  }

  async locationState(party: PartyId, locationId: string): Promise<LocationState> {
    return (await currentState(this.store, locationStream(party, locationId), locationDecider)).state;
  }

  async evseState(party: PartyId, locationId: string, evseUid: string): Promise<EvseState> {
    return (await currentState(this.store, evseStream(party, locationId, evseUid), evseDecider)).state;
  }

  private evseCommand(run: Run, ref: EvseRef, command: EvseCommand) {
    return run.handle(evseStream(partyOf(ref), ref.location_id, ref.evse_uid), evseDecider, command);
  }
}

/** One command over one or more streams: the cause goes with the first append. */
class Run {
  private cause;
  private readonly events: Array<LocationEvent | EvseEvent> = [];
  private position = -1;

  constructor(
    private readonly store: EventStore,
    private readonly options: LocationCommandOptions,
  ) {
    this.cause = options.cause;
  }

  async handle<C, E extends DomainEvent, S>(stream: string, decider: Decider<C, E, S>, command: C) {
    const handled = await handleCommand(this.store, stream, decider, command, {
      ...(this.cause ? { cause: this.cause } : {}),
      metadata: { ...this.options.metadata, ...(this.options.cause?.id ? { causationId: this.options.cause.id } : {}) },
      skipWhenNoEvents: this.options.skipWhenNoEvents ?? !this.cause,
    });
    if (handled.events.length > 0 || !this.options.skipWhenNoEvents) this.cause = undefined;
    this.events.push(...(handled.events as unknown as Array<LocationEvent | EvseEvent>));
    this.position = Math.max(this.position, handled.position);
    return handled;
  }

  result(created: boolean): LocationHandled {
    return { events: this.events, created, position: this.position };
  }
}

@CommandHandler(PutLocation)
export class PutLocationHandler implements ICommandHandler<PutLocation, LocationHandled> {
  constructor(private readonly locations: LocationStreams) {}
  execute({ location, options }: PutLocation) {
    return this.locations.putLocation(location, options);
  }
}

@CommandHandler(PatchLocation)
export class PatchLocationHandler implements ICommandHandler<PatchLocation, LocationHandled> {
  constructor(private readonly locations: LocationStreams) {}
  execute({ ref, patch, options }: PatchLocation) {
    return this.locations.patchLocation(ref, patch, options);
  }
}

@CommandHandler(PutEvse)
export class PutEvseHandler implements ICommandHandler<PutEvse, LocationHandled> {
  constructor(private readonly locations: LocationStreams) {}
  execute({ ref, evse, options }: PutEvse) {
    return this.locations.putEvse(ref, evse, options);
  }
}

@CommandHandler(PatchEvse)
export class PatchEvseHandler implements ICommandHandler<PatchEvse, LocationHandled> {
  constructor(private readonly locations: LocationStreams) {}
  execute({ ref, patch, options }: PatchEvse) {
    return this.locations.patchEvse(ref, patch, options);
  }
}

@CommandHandler(PutConnector)
export class PutConnectorHandler implements ICommandHandler<PutConnector, LocationHandled> {
  constructor(private readonly locations: LocationStreams) {}
  execute({ ref, connector, options }: PutConnector) {
    return this.locations.putConnector(ref, connector, options);
  }
}

@CommandHandler(PatchConnector)
export class PatchConnectorHandler implements ICommandHandler<PatchConnector, LocationHandled> {
  constructor(private readonly locations: LocationStreams) {}
  execute({ ref, connectorId, patch, options }: PatchConnector) {
    return this.locations.patchConnector(ref, connectorId, patch, options);
  }
}

export const LOCATION_COMMAND_HANDLERS = [
  PutLocationHandler,
  PatchLocationHandler,
  PutEvseHandler,
  PatchEvseHandler,
  PutConnectorHandler,
  PatchConnectorHandler,
];

export type { EvseState, LocationCommand, LocationState };

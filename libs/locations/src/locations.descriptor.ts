import { defineModule } from '@roamledger/module-kit';
import { Location, v211, v230 } from '@roamledger/ocpi';
import { InterfaceRole, ModuleID } from '@roamledger/ocpi/values';
import { EVSE_STREAM_PREFIX, evseDecider } from './evse.decider';
import { LOCATIONS_ROUTE, LOCATIONS_ROUTES, type LocationHandled, PutLocation } from './location.commands';
import { LOCATION_STREAM_PREFIX, locationDecider } from './location.decider';
import { LOCATION_EVENT_TYPES } from './location.events';
import { LOCATIONS_211_ROUTE } from './locations.controller';
import { LocationsModule } from './locations.module';

/** mod_locations, eMSP side: CPOs push Locations, EVSEs and Connectors; we pull their Locations Sender after an outage. */
export const locationsDescriptor = defineModule({
  name: 'locations',
  description: "OCPI Locations receiver (eMSP), and the pull of CPOs' Locations Sender interfaces",
  nestModule: LocationsModule,
  routes: [LOCATIONS_211_ROUTE, ...Object.values(LOCATIONS_ROUTES)],
  endpoints: [
    {
      identifier: ModuleID.LOCATIONS,
      role: InterfaceRole.RECEIVER,
      route: LOCATIONS_ROUTE,
      versions: { '2.1.1': LOCATIONS_211_ROUTE, ...LOCATIONS_ROUTES },
    },
  ],
  streams: [
    { prefix: LOCATION_STREAM_PREFIX, aggregate: 'Location', decider: locationDecider },
    { prefix: EVSE_STREAM_PREFIX, aggregate: 'EVSE', decider: evseDecider },
  ],
  eventTypes: LOCATION_EVENT_TYPES,
  pull: {
    module: ModuleID.LOCATIONS,
    objectClass: Location,
    command: (location: Location, options) => new PutLocation(location, options),
    versions: {
      '2.1.1': { objectClass: v211.LocationObject211, toModel: v211.locationFrom211 },
      '2.3.0': {
        objectClass: v230.Location230,
        read: v230.reader230(v230.Location230),
        toModel: (location: Location) => location,
      },
    },
    outcome: (handled: LocationHandled) => ({ status: handled.events.length > 0 ? 'recorded' : 'unchanged' }),
  },
});

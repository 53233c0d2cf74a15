import { defineModule } from '@roamledger/module-kit';
import { InterfaceRole, ModuleID } from '@roamledger/ocpi/values';
import { CLIENT_INFO_ROUTE, CLIENT_INFO_ROUTES } from './client-info.controller';
import { CLIENT_INFO_STREAM_PREFIX, clientInfoDecider } from './client-info.decider';
import { CLIENT_INFO_EVENT_TYPES } from './client-info.events';
import { HubClientInfoModule } from './hubclientinfo.module';

/** mod_hub_client_info, receiver: which parties behind our hub are reachable. */
export const hubClientInfoDescriptor = defineModule({
  name: 'hubclientinfo',
  description: 'OCPI HubClientInfo receiver: the connection status of the parties behind a hub',
  nestModule: HubClientInfoModule,
  routes: Object.values(CLIENT_INFO_ROUTES),
  endpoints: [
    {
      identifier: ModuleID.HUB_CLIENT_INFO,
      role: InterfaceRole.RECEIVER,
      route: CLIENT_INFO_ROUTE,
      versions: CLIENT_INFO_ROUTES,
    },
  ],
  streams: [{ prefix: CLIENT_INFO_STREAM_PREFIX, aggregate: 'Party connection (HubClientInfo)', decider: clientInfoDecider }],
  eventTypes: CLIENT_INFO_EVENT_TYPES,
});

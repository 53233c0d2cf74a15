import { defineModule } from '@roamledger/module-kit';
import { Tariff, v211, v230 } from '@roamledger/ocpi';
import { InterfaceRole, ModuleID } from '@roamledger/ocpi/values';
import { PutTariff, TARIFFS_ROUTE, TARIFFS_ROUTES, type TariffHandled } from './tariff.commands';
import { TARIFF_STREAM_PREFIX, tariffDecider } from './tariff.decider';
import { TARIFF_EVENT_TYPES } from './tariff.events';
import { TARIFFS_211_ROUTE } from './tariffs.controller';
import { TariffsModule } from './tariffs.module';

/** mod_tariffs, eMSP side: CPOs push and delete their Tariffs (every version kept); we pull their Tariffs Sender after an outage. */
export const tariffsDescriptor = defineModule({
  name: 'tariffs',
  description: "OCPI Tariffs receiver (eMSP), every version kept, and the pull of CPOs' Tariffs Sender interfaces",
  nestModule: TariffsModule,
  routes: [TARIFFS_211_ROUTE, ...Object.values(TARIFFS_ROUTES)],
  endpoints: [
    {
      identifier: ModuleID.TARIFFS,
      role: InterfaceRole.RECEIVER,
      route: TARIFFS_ROUTE,
      versions: { '2.1.1': TARIFFS_211_ROUTE, ...TARIFFS_ROUTES },
    },
  ],
  streams: [{ prefix: TARIFF_STREAM_PREFIX, aggregate: 'Tariff', decider: tariffDecider }],
  eventTypes: TARIFF_EVENT_TYPES,
  pull: {
    module: ModuleID.TARIFFS,
    objectClass: Tariff,
    command: (tariff: Tariff, options) => new PutTariff(tariff, options),
    versions: {
      '2.1.1': { objectClass: v211.Tariff211, toModel: v211.tariffFrom211 },
      '2.3.0': {
        objectClass: v230.Tariff230,
        read: v230.reader230(v230.Tariff230, v230.tariffFrom230),
        toModel: (tariff: Tariff) => tariff,
      },
    },
    outcome: (handled: TariffHandled) => ({ status: handled.events.length > 0 ? 'recorded' : 'unchanged' }),
  },
});

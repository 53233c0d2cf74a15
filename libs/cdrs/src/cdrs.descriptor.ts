import { defineModule } from '@roamledger/module-kit';
import { CDR, v211, v230 } from '@roamledger/ocpi';
import { InterfaceRole, ModuleID } from '@roamledger/ocpi/values';
import { CDRS_ROUTE, CDRS_ROUTES, type CdrReceipt, ReceiveCdr } from './cdr.commands';
import { CDR_STREAM_PREFIX, cdrDecider } from './cdr.decider';
import { CDR_EVENT_TYPES } from './cdr.events';
import { CdrsModule } from './cdrs.module';

/** mod_cdrs, eMSP side: CPOs POST their CDRs; we pull their CDRs Sender after an outage. */
export const cdrsDescriptor = defineModule({
  name: 'cdrs',
  description: "OCPI CDRs receiver (eMSP), and the pull of CPOs' CDRs Sender interfaces",
  nestModule: CdrsModule,
  routes: Object.values(CDRS_ROUTES),
  endpoints: [{ identifier: ModuleID.CDRS, role: InterfaceRole.RECEIVER, route: CDRS_ROUTE, versions: CDRS_ROUTES }],
  streams: [{ prefix: CDR_STREAM_PREFIX, aggregate: 'CDR', decider: cdrDecider }],
  eventTypes: CDR_EVENT_TYPES,
  pull: {
    module: ModuleID.CDRS,
    objectClass: CDR,
    command: (cdr: CDR, options) => new ReceiveCdr(cdr, options),
    versions: {
      '2.1.1': { objectClass: v211.Cdr211, toModel: v211.cdrFrom211 },
      '2.3.0': { objectClass: v230.CDR230, read: v230.reader230(v230.CDR230, v230.cdrFrom230), toModel: (cdr: CDR) => cdr },
    },
    outcome: (receipt: CdrReceipt) =>
      receipt.outcome === 'rejected'
        ? { status: 'rejected', reason: receipt.rejection?.message ?? 'rejected' }
        : { status: receipt.outcome === 'stored' ? 'recorded' : 'unchanged' },
  },
});

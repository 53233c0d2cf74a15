import { defineModule } from '@roamledger/module-kit';
import { BillingModule } from './billing.module';

/** The billing projections, rebuilt from the log alone, and the finance API over them. */
export const billingDescriptor = defineModule({
  name: 'billing',
  description:
    'Billing projections (CDR ledger, sessions, partner statements), the /finance API, and the /console with its /audit API',
  nestModule: BillingModule,
  // The console (libs/console) runs in this service: its page and the read-only audit API it calls.
  routes: ['finance', 'console', 'audit'],
  replicas: { count: 1, why: "It builds and switches the projection's tables; a second replica would only stand by." },
});

import { defineModule } from '@roamledger/module-kit';
import { BillingModule } from './billing.module';

/** The billing projections, rebuilt from the log alone, and the finance API over them. */
export const billingDescriptor = defineModule({
  name: 'billing',
  description: 'Billing projections (CDR ledger, sessions, partner statements) and the /finance API',
  nestModule: BillingModule,
  routes: ['finance'],
  replicas: { count: 1, why: "It builds and switches the projection's tables; a second replica would only stand by." },
});

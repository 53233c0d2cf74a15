import type { RoamledgerConfig } from '@roamledger/service';

/** What billing reads from the configuration. */
export interface BillingSettings {
  /** BILLING_TIME_ZONE: statement months and from/to dates are wall-clock periods in this zone. */
  timeZone: string;
  /** BILLING_CDR_DUE_HOURS: a COMPLETED session without a CDR this long after its end is overdue. */
  cdrDueHours: number;
  /** PRICING_TOLERANCE, in minor units of the CDR's currency. */
  pricingToleranceMinorUnits: number;
}

export const BILLING_SETTINGS = Symbol('BILLING_SETTINGS');

export function billingSettings(config: RoamledgerConfig): BillingSettings {
  return {
    timeZone: config.billingTimeZone ?? 'UTC',
    cdrDueHours: config.billingCdrDueHours ?? 48,
    pricingToleranceMinorUnits: config.pricingToleranceMinorUnits ?? 1,
  };
}

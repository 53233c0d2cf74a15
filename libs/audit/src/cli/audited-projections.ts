import { billingProjection, billingSettings, pricingProjection } from '@roamledger/billing';
import type { Projection } from '@roamledger/projections';
import type { RoamledgerConfig } from '@roamledger/service';

/**
 * The projections `replay` rebuilds and compares: the same list, with the same settings, as the
 * hub runs them (BillingModule's ProjectionHost). Add each new projection here when a module
 * starts hosting one.
 */
export function auditedProjections(config: RoamledgerConfig): Projection[] {
  const settings = billingSettings(config);
  return [billingProjection(settings), pricingProjection({ toleranceMinorUnits: settings.pricingToleranceMinorUnits })];
}

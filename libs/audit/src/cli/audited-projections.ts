import { billingProjection, billingSettings, pricingProjection } from '@roamledger/billing';
import { catalogProjection } from '@roamledger/catalog';
import type { Projection } from '@roamledger/projections';
import type { RoamledgerConfig } from '@roamledger/service';

/** A projection `replay` checks, and where its live tables are kept. */
export interface AuditedProjection {
  projection: Projection;
  /**
   * The data folder its live PGlite tables are under (`<dataDir>/projections`), as its module opens
   * them with openProjectionDb; with DATABASE_URL they are in PostgreSQL.
   */
  dataDir: string;
  /** Its module's schema there, when not the default (rl_projections on PostgreSQL, public in PGlite). */
  schema?: string;
}

/**
 * The projections `replay` rebuilds and compares: the same list, with the same settings and the same
 * live database, as the hub runs them (BillingModule's and CatalogModule's ProjectionHost). Add each
 * new projection here when a module starts hosting one.
 */
export function auditedProjections(config: RoamledgerConfig): AuditedProjection[] {
  const settings = billingSettings(config);
  return [
    { projection: billingProjection(settings), dataDir: config.dataDir },
    { projection: pricingProjection({ toleranceMinorUnits: settings.pricingToleranceMinorUnits }), dataDir: config.dataDir },
    { projection: catalogProjection(), dataDir: config.dataDir },
  ];
}

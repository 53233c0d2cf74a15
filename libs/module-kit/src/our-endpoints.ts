import type { Endpoint } from '@roamledger/ocpi';
import { VersionNumber } from '@roamledger/ocpi/values';
import type { ModuleDescriptor } from './module-descriptor';

/** The one OCPI version Roamledger speaks. */
export const OCPI_VERSION = VersionNumber.V2_2_1;

/** A URL partners see: PUBLIC_URL + '/' + a route as controllers declare it. */
export function publicRouteUrl(publicUrl: string, route: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/${route}`;
}

/** The endpoints of our version details: every module's offers, in the order modules are listed. */
export function ourEndpoints(publicUrl: string, modules: readonly ModuleDescriptor[]): Endpoint[] {
  return modules.flatMap((module) =>
    (module.endpoints ?? []).map((offer) => ({
      identifier: offer.identifier,
      role: offer.role,
      url: publicRouteUrl(publicUrl, offer.route),
    })),
  );
}

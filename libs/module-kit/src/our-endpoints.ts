import type { Endpoint } from '@roamledger/ocpi';
import { VersionNumber } from '@roamledger/ocpi/values';
import type { EndpointOffer, ModuleDescriptor } from './module-descriptor';

/** The version a module speaks when its descriptor names no other: the one Roamledger was built on. */
export const OCPI_VERSION = VersionNumber.V2_2_1;

/** Every OCPI version Roamledger speaks, oldest first: the order of GET /ocpi/versions. */
export const OCPI_VERSIONS = [VersionNumber.V2_1_1, VersionNumber.V2_2_1, VersionNumber.V2_3_0] as const;

export type OcpiVersion = (typeof OCPI_VERSIONS)[number];

export function isOcpiVersion(value: unknown): value is OcpiVersion {
  return (OCPI_VERSIONS as readonly unknown[]).includes(value);
}

/** The route of each version a module serves, from a template with `{version}` in it. */
export type VersionRoutes = Partial<Record<OcpiVersion, string>>;

export function versionRoutes(template: string, versions: readonly OcpiVersion[] = OCPI_VERSIONS): VersionRoutes {
  return Object.fromEntries(versions.map((version) => [version, template.replace('{version}', version)]));
}

/** The route of an endpoint offer in one version, if the module offers it in that version. */
export function offerRoute(offer: EndpointOffer, version: OcpiVersion): string | undefined {
  return offer.versions ? offer.versions[version] : version === OCPI_VERSION ? offer.route : undefined;
}

/** A URL partners see: PUBLIC_URL + '/' + a route as controllers declare it. */
export function publicRouteUrl(publicUrl: string, route: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/${route}`;
}

/**
 * The endpoints of our details for one version: every module's offers in that version, in the order
 * modules are listed. 2.1.1 endpoints have no interface role, so a module is listed once there.
 */
export function ourEndpoints(
  publicUrl: string,
  modules: readonly ModuleDescriptor[],
  version: OcpiVersion = OCPI_VERSION,
): Endpoint[] {
  const endpoints = modules.flatMap((module) =>
    (module.endpoints ?? []).flatMap((offer) => {
      const route = offerRoute(offer, version);
      return route ? [{ identifier: offer.identifier, role: offer.role, url: publicRouteUrl(publicUrl, route) }] : [];
    }),
  );
  if (version !== VersionNumber.V2_1_1) return endpoints;
  const seen = new Set<string>();
  return endpoints.filter((endpoint) => !seen.has(endpoint.identifier) && seen.add(endpoint.identifier));
}

/** The versions at least one module offers endpoints in, oldest first. */
export function offeredVersions(modules: readonly ModuleDescriptor[]): OcpiVersion[] {
  return OCPI_VERSIONS.filter((version) =>
    modules.some((module) => (module.endpoints ?? []).some((offer) => offerRoute(offer, version))),
  );
}

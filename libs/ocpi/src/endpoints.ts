import { InterfaceRole, ModuleID, VersionNumber } from './dto/enums';
import type { Endpoint, Version, VersionDetails } from './dto/versions.dto';

/** The one OCPI version Roamledger speaks. */
export const OCPI_VERSION = VersionNumber.V2_2_1;

/**
 * Route paths of the endpoints Roamledger offers as an eMSP, without the leading slash, as
 * controllers declare them. Every URL partners see is PUBLIC_URL + '/' + one of these.
 */
export const OCPI_ROUTES = {
  versions: 'ocpi/versions',
  versionDetails: 'ocpi/versions/2.2.1',
  credentials: 'ocpi/2.2.1/credentials',
  sessions: 'ocpi/emsp/2.2.1/sessions',
  cdrs: 'ocpi/emsp/2.2.1/cdrs',
} as const;

function joinUrl(publicUrl: string, route: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/${route}`;
}

/** Our versions endpoint: the URL an invited partner is given with its Token A. */
export function versionsUrl(publicUrl: string): string {
  return joinUrl(publicUrl, OCPI_ROUTES.versions);
}

/** Our credentials endpoint. */
export function credentialsUrl(publicUrl: string): string {
  return joinUrl(publicUrl, OCPI_ROUTES.credentials);
}

/** GET /ocpi/versions: the versions we support and where their details are. */
export function ourVersions(publicUrl: string): Version[] {
  return [{ version: OCPI_VERSION, url: joinUrl(publicUrl, OCPI_ROUTES.versionDetails) }];
}

/**
 * The 2.2.1 endpoints we offer, per module and interface role. Credentials is symmetric (every
 * platform both calls and serves it), so it is listed in both roles at the one URL.
 */
export function ourEndpoints(publicUrl: string): Endpoint[] {
  const at = (route: string) => joinUrl(publicUrl, route);
  return [
    { identifier: ModuleID.CREDENTIALS, role: InterfaceRole.SENDER, url: at(OCPI_ROUTES.credentials) },
    { identifier: ModuleID.CREDENTIALS, role: InterfaceRole.RECEIVER, url: at(OCPI_ROUTES.credentials) },
    { identifier: ModuleID.SESSIONS, role: InterfaceRole.RECEIVER, url: at(OCPI_ROUTES.sessions) },
    { identifier: ModuleID.CDRS, role: InterfaceRole.RECEIVER, url: at(OCPI_ROUTES.cdrs) },
  ];
}

/** GET /ocpi/versions/2.2.1. */
export function ourVersionDetails(publicUrl: string): VersionDetails {
  return { version: OCPI_VERSION, endpoints: ourEndpoints(publicUrl) };
}

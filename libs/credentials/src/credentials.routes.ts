import { versionRoutes } from '@roamledger/module-kit';

/** Routes of the configuration modules (no leading slash, as controllers declare them). */
export const VERSIONS_ROUTE = 'ocpi/versions';
/** Credentials in every version we speak: a partner registers (and moves up) in the version whose route it calls. */
export const CREDENTIALS_ROUTES = versionRoutes('ocpi/{version}/credentials');
export const CREDENTIALS_ROUTE = 'ocpi/2.2.1/credentials';
export const ADMIN_PARTNERS_ROUTE = 'admin/partners';

/** Routes of the configuration modules (no leading slash, as controllers declare them). */
export const VERSIONS_ROUTE = 'ocpi/versions';
export const CREDENTIALS_ROUTE = 'ocpi/2.2.1/credentials';
export const ADMIN_PARTNERS_ROUTE = 'admin/partners';

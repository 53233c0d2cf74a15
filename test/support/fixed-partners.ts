import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { ADMIN_API_KEY, AdminKeyGuard, PartnerRejections } from '@roamledger/credentials';
import { PARTNER_AUTHENTICATOR, type PartnerAuthenticator, REJECTED_REQUEST_LOG } from '@roamledger/ocpi-transport';

/**
 * Stands in for the global PartnersModule of the credentials module: who is calling (fixed
 * partners), the rejected-request log, and the admin key and its guard; `extraProviders` are
 * exported too (PARTNER_LINKS, say).
 */
export function fixedPartnersModule(
  authenticator: PartnerAuthenticator,
  adminKey: string,
  extraProviders: Provider[] = [],
): DynamicModule {
  @Module({})
  class FixedPartnersModule {}

  return {
    module: FixedPartnersModule,
    global: true,
    providers: [
      { provide: PARTNER_AUTHENTICATOR, useValue: authenticator },
      { provide: REJECTED_REQUEST_LOG, useClass: PartnerRejections },
      { provide: ADMIN_API_KEY, useValue: adminKey },
      AdminKeyGuard,
      ...extraProviders,
    ],
    exports: [
      PARTNER_AUTHENTICATOR,
      REJECTED_REQUEST_LOG,
      ADMIN_API_KEY,
      AdminKeyGuard,
      ...extraProviders.map((p) => (typeof p === 'function' ? p : p.provide)),
    ],
  };
}

import { defineModule } from '@roamledger/module-kit';
import { InterfaceRole, ModuleID } from '@roamledger/ocpi/values';
import { CredentialsModule, VersionsModule } from './credentials.module';
import { ADMIN_PARTNERS_ROUTE, CREDENTIALS_ROUTE, CREDENTIALS_ROUTES, VERSIONS_ROUTE } from './credentials.routes';
import { CREDENTIALS_TOKEN_STREAM_PREFIX, issuedTokenDecider } from './credentials-token';
import { PARTNER_STREAM_PREFIX, partnerDecider } from './partner.decider';
import { PARTNER_CONTACT_STREAM_PREFIX, partnerContactDecider } from './partner-contact';

/** GET /ocpi/versions and our version details: where partners discover every other module. */
export const versionsDescriptor = defineModule({
  name: 'versions',
  description: 'OCPI versions: where partners discover our endpoints',
  nestModule: VersionsModule,
  routes: [VERSIONS_ROUTE],
});

/** Registration both ways, token rotation, the admin API for partners. */
export const credentialsDescriptor = defineModule({
  name: 'credentials',
  description: 'OCPI credentials (registration both ways) and the admin API for partners',
  nestModule: CredentialsModule,
  routes: [...Object.values(CREDENTIALS_ROUTES), ADMIN_PARTNERS_ROUTE],
  // Credentials is symmetric: every platform both calls and serves it, at the one URL.
  endpoints: [
    { identifier: ModuleID.CREDENTIALS, role: InterfaceRole.SENDER, route: CREDENTIALS_ROUTE, versions: CREDENTIALS_ROUTES },
    { identifier: ModuleID.CREDENTIALS, role: InterfaceRole.RECEIVER, route: CREDENTIALS_ROUTE, versions: CREDENTIALS_ROUTES },
  ],
  streams: [
    { prefix: PARTNER_STREAM_PREFIX, aggregate: 'Partner', decider: partnerDecider },
    { prefix: CREDENTIALS_TOKEN_STREAM_PREFIX, aggregate: 'Issued credentials token', decider: issuedTokenDecider },
    { prefix: PARTNER_CONTACT_STREAM_PREFIX, aggregate: 'Partner contacts', decider: partnerContactDecider },
  ],
  topic: 'partners',
});

import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PARTNER_LINKS } from '@roamledger/module-kit';
import { OcpiTransportModule, PARTNER_AUTHENTICATOR, REJECTED_REQUEST_LOG } from '@roamledger/ocpi-transport';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig, readOrCreateSecret } from '@roamledger/service';
import { ADMIN_API_KEY, AdminKeyGuard, loadAdminApiKey } from './admin/admin-api-key';
import { AdminPartnersController } from './admin/admin-partners.controller';
import { CredentialsController } from './credentials.controller';
import { CredentialsTokenAuthenticator } from './credentials-token.authenticator';
import { PartnerService } from './partner.commands';
import { PartnerContactInterceptor } from './partner-contact.interceptor';
import { PartnerDirectory } from './partner-directory';
import { PartnerLinksFromDirectory } from './partner-links';
import { PartnerRejections } from './partner-rejections';
import { TokenVault } from './token-vault';
import { VersionsController } from './versions.controller';

export const PARTNER_TOKEN_KEY_FILE = 'partner-token-key';

/**
 * Partners as every module needs them: the PartnerAuthenticator behind each OCPI controller's
 * guard, the PartnerDirectory, and the admin key guard. Global, so a module's guard finds the authenticator without
 * importing the credentials module.
 */
@Global()
@Module({
  providers: [
    {
      provide: TokenVault,
      // PARTNER_TOKEN_KEY lets every service of a deployment share the key without a shared folder.
      useFactory: (config: RoamledgerConfig) =>
        new TokenVault(config.partnerTokenKey ?? readOrCreateSecret(config.dataDir, PARTNER_TOKEN_KEY_FILE).value),
      inject: [ROAMLEDGER_CONFIG],
    },
    PartnerDirectory,
    PartnerLinksFromDirectory,
    { provide: PARTNER_LINKS, useExisting: PartnerLinksFromDirectory },
    CredentialsTokenAuthenticator,
    { provide: PARTNER_AUTHENTICATOR, useExisting: CredentialsTokenAuthenticator },
    { provide: REJECTED_REQUEST_LOG, useClass: PartnerRejections },
    // A registered partner's successful request is recorded (throttled) for the other processes.
    { provide: APP_INTERCEPTOR, useClass: PartnerContactInterceptor },
    // Every /admin route (partners here, pull in libs/pull) takes the same key.
    { provide: ADMIN_API_KEY, useFactory: loadAdminApiKey, inject: [ROAMLEDGER_CONFIG] },
    AdminKeyGuard,
  ],
  exports: [
    TokenVault,
    PartnerDirectory,
    PARTNER_LINKS,
    PARTNER_AUTHENTICATOR,
    REJECTED_REQUEST_LOG,
    ADMIN_API_KEY,
    AdminKeyGuard,
  ],
})
export class PartnersModule {}

/** The credentials module (OCPI registration both ways) and the admin API for partners. */
@Module({
  imports: [OcpiTransportModule, PartnersModule],
  controllers: [CredentialsController, AdminPartnersController],
  providers: [PartnerService],
  exports: [PartnersModule, PartnerService],
})
export class CredentialsModule {}

/** The versions module: GET /ocpi/versions and our 2.2.1 details. */
@Module({
  imports: [OcpiTransportModule, PartnersModule],
  controllers: [VersionsController],
})
export class VersionsModule {}

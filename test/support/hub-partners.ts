import { CommandsModule } from '@roamledger/commands';
import { HubClientInfoModule } from '@roamledger/hubclientinfo';
import { ModuleKit, PARTNER_LINKS, type PartnerLinksPort } from '@roamledger/module-kit';
import { ROAMLEDGER_MODULES } from '@roamledger/modules';
import { type AuthenticatedPartner, encodeCredentialsToken } from '@roamledger/ocpi-transport';
import { ServiceModule } from '@roamledger/service';
import { TokensModule } from '@roamledger/tokens';
import { fixedPartnersModule } from './fixed-partners';
import { startTestApp, type TestApp } from './test-app';

/** A hub (NL*HUB) and a CPO behind it (DE*ABC), with fixed tokens, for the HubClientInfo and Commands tests. */
export const HUB_AND_CPO: Record<string, AuthenticatedPartner> = {
  'token-hub': {
    partnerId: 'p-hub',
    name: 'Hub',
    tokenKind: 'C',
    roles: [{ countryCode: 'NL', partyId: 'HUB', role: 'HUB' }],
    suspended: false,
  },
  'token-cpo': {
    partnerId: 'p-cpo',
    name: 'CPO',
    tokenKind: 'C',
    roles: [{ countryCode: 'DE', partyId: 'ABC', role: 'CPO' }],
    suspended: false,
  },
};
export const HUB = { authorization: encodeCredentialsToken('token-hub') };
export const CPO = { authorization: encodeCredentialsToken('token-cpo') };

/**
 * HubClientInfo, Tokens and Commands on a fresh embedded store, called by HUB_AND_CPO; `links`
 * stands in for the credentials module's partner links, `adminKey` for the operator's key.
 */
export function startHubClientApp(links: PartnerLinksPort, adminKey: string, env: Record<string, string>): Promise<TestApp> {
  return startTestApp(
    (config) => ({
      module: class HubClientTestModule {},
      imports: [
        ServiceModule.forRoot(config),
        ModuleKit.forRoot(ROAMLEDGER_MODULES),
        fixedPartnersModule({ authenticate: async (token) => HUB_AND_CPO[token] }, adminKey, [
          { provide: PARTNER_LINKS, useValue: links },
        ]),
        HubClientInfoModule,
        TokensModule,
        CommandsModule,
      ],
    }),
    env,
  );
}

import { CdrsModule } from '@roamledger/cdrs';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { ModuleKit, PARTNER_LINKS, type PartnerLinksPort } from '@roamledger/module-kit';
import { ROAMLEDGER_MODULES } from '@roamledger/modules';
import { ProjectionHost } from '@roamledger/projections';
import { ServiceModule } from '@roamledger/service';
import { SessionsModule } from '@roamledger/sessions';
import { TokensModule } from '@roamledger/tokens';
import { fixedPartnersModule } from '../support/fixed-partners';
import { fixedPartners } from '../support/receiver-app';
import { startTestApp, type TestApp } from '../support/test-app';

export const TOKENS_ADMIN_KEY = 'tokens-test-admin-key';

/** One of our tokens (NL*RLG), valid and ALLOWED, as /admin/tokens takes it. */
export const ourToken = (uid: string, overrides: Record<string, unknown> = {}) => ({
  country_code: 'NL',
  party_id: 'RLG',
  uid,
  type: 'RFID',
  contract_id: `NL-RLG-C${uid}`,
  issuer: 'Roamledger',
  valid: true,
  whitelist: 'ALLOWED',
  ...overrides,
});

/** No partner to push to: these tests are about the register, authorization and links. */
export const noPartnerLinks: PartnerLinksPort = {
  list: async () => [],
  get: async () => undefined,
  client: async () => {
    throw new Error('no partners here');
  },
  onContact: () => () => undefined,
};

export type TokensHarness = TestApp & { store: EventStore; projection: ProjectionHost; caughtUp(): Promise<void> };

/** Tokens, sessions and CDRs on a fresh embedded store, with the fixed partners of the receiver tests. */
export async function startTokensApp(
  env: Record<string, string> = {},
  options: { listen?: boolean } = {},
): Promise<TokensHarness> {
  const harness = await startTestApp(
    (config) => ({
      module: class TokensTestModule {},
      imports: [
        ServiceModule.forRoot(config),
        ModuleKit.forRoot(ROAMLEDGER_MODULES),
        fixedPartnersModule(fixedPartners, TOKENS_ADMIN_KEY, [{ provide: PARTNER_LINKS, useValue: noPartnerLinks }]),
        TokensModule,
        SessionsModule,
        CdrsModule,
      ],
    }),
    env,
    options,
  );
  const store = harness.app.get<EventStore>(EVENT_STORE);
  const projection = harness.app.get(ProjectionHost);
  return {
    ...harness,
    store,
    projection,
    async caughtUp() {
      await projection.waitFor('tokens', await store.headPosition());
    },
  };
}

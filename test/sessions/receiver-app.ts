import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Global, Module, type Provider } from '@nestjs/common';
import { CdrsModule } from '@roamledger/cdrs';
import { ADMIN_API_KEY, AdminKeyGuard } from '@roamledger/credentials';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import {
  type AuthenticatedPartner,
  encodeCredentialsToken,
  PARTNER_AUTHENTICATOR,
  type PartnerAuthenticator,
} from '@roamledger/ocpi';
import { ServiceModule } from '@roamledger/service';
import { SessionsModule } from '@roamledger/sessions';
import { projectRoot } from '../support/project-root';
import { startTestApp, type TestApp } from '../support/test-app';

/** Two CPO partners with fixed tokens, as the transport test does before the credentials module. */
export const PARTNERS: Record<string, AuthenticatedPartner> = {
  'token-cpo-a': {
    partnerId: 'p-cpo-a',
    name: 'CPO A',
    tokenKind: 'C',
    roles: [
      { countryCode: 'BE', partyId: 'BEC', role: 'CPO' },
      { countryCode: 'NL', partyId: 'STK', role: 'CPO' },
    ],
    suspended: false,
  },
  'token-cpo-b': {
    partnerId: 'p-cpo-b',
    name: 'CPO B',
    tokenKind: 'C',
    roles: [{ countryCode: 'DE', partyId: 'XYZ', role: 'CPO' }],
    suspended: false,
  },
};

const fixedPartners: PartnerAuthenticator = {
  async authenticate(token, form) {
    return form === 'base64' ? PARTNERS[token] : undefined;
  },
};

export const CPO_A = { authorization: encodeCredentialsToken('token-cpo-a') };
export const CPO_B = { authorization: encodeCredentialsToken('token-cpo-b') };

export const RECEIVER_ADMIN_KEY = 'receiver-test-admin-key';

/** The Sessions and CDRs receivers on a fresh embedded store (or the one `env` names), with the fixed partners. */
export async function startReceiverApp(
  extraProviders: Provider[] = [],
  env: Record<string, string> = {},
): Promise<TestApp & { store: EventStore }> {
  @Global()
  @Module({
    // Stands in for the global PartnersModule: who is calling, and the admin key guard /admin/pull uses.
    providers: [
      { provide: PARTNER_AUTHENTICATOR, useValue: fixedPartners },
      { provide: ADMIN_API_KEY, useValue: RECEIVER_ADMIN_KEY },
      AdminKeyGuard,
      ...extraProviders,
    ],
    exports: [
      PARTNER_AUTHENTICATOR,
      ADMIN_API_KEY,
      AdminKeyGuard,
      ...extraProviders.map((p) => (typeof p === 'function' ? p : p.provide)),
    ],
  })
  class FixedPartnersModule {}

  const harness = await startTestApp(
    (config) => ({
      module: class ReceiverTestModule {},
      imports: [ServiceModule.forRoot(config), FixedPartnersModule, SessionsModule, CdrsModule],
    }),
    env,
  );
  return { ...harness, store: harness.app.get(EVENT_STORE) };
}

/** The spec's example payloads (../shared/ocpi/spec-2.2.1/examples beside the project). */
export function specExample<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.resolve(projectRoot(), '../shared/ocpi/spec-2.2.1/examples', name), 'utf8')) as T;
}

/** Event types of a stream, in order. */
export async function typesOf(store: EventStore, stream: string): Promise<string[]> {
  return (await store.readStream(stream)).map((event) => event.type);
}

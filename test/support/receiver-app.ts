import type { DynamicModule, Provider, Type } from '@nestjs/common';
import { CdrsModule } from '@roamledger/cdrs';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { LocationsModule } from '@roamledger/locations';
import { ModuleKit } from '@roamledger/module-kit';
import { ROAMLEDGER_MODULES } from '@roamledger/modules';
import { type AuthenticatedPartner, encodeCredentialsToken, type PartnerAuthenticator } from '@roamledger/ocpi-transport';
import { PullModule } from '@roamledger/pull';
import { type RoamledgerConfig, ServiceModule } from '@roamledger/service';
import { SessionsModule } from '@roamledger/sessions';
import { TariffsModule } from '@roamledger/tariffs';
import { fixedPartnersModule } from './fixed-partners';
import { startTestApp, type TestApp } from './test-app';

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

/** Authenticates PARTNERS by their token, in its base64 form. */
export const fixedPartners: PartnerAuthenticator = {
  async authenticate(token, form) {
    return form === 'base64' ? PARTNERS[token] : undefined;
  },
};

export const CPO_A = { authorization: encodeCredentialsToken('token-cpo-a') };
export const CPO_B = { authorization: encodeCredentialsToken('token-cpo-b') };

/** The Sessions, CDRs, Locations and Tariffs receivers on a fresh embedded store, with the fixed partners. */
export const RECEIVER_ADMIN_KEY = 'receiver-test-admin-key';

export interface ReceiverOptions {
  env?: Record<string, string>;
  imports?: Array<Type<unknown> | DynamicModule>;
}

/** The root module of the receiver app: the Sessions and CDRs receivers (and pull) with the fixed partners. */
export function receiverModule(
  config: RoamledgerConfig,
  extraProviders: Provider[] = [],
  imports: ReceiverOptions['imports'] = [],
): DynamicModule {
  return {
    module: class ReceiverTestModule {},
    imports: [
      ServiceModule.forRoot(config),
      ModuleKit.forRoot(ROAMLEDGER_MODULES),
      fixedPartnersModule(fixedPartners, RECEIVER_ADMIN_KEY, extraProviders),
      SessionsModule,
      CdrsModule,
      LocationsModule,
      TariffsModule,
      PullModule,
      ...imports,
    ],
  };
}

export async function startReceiverApp(
  extraProviders: Provider[] = [],
  options: ReceiverOptions = {},
): Promise<TestApp & { store: EventStore }> {
  const harness = await startTestApp((config) => receiverModule(config, extraProviders, options.imports), options.env);
  return { ...harness, store: harness.app.get(EVENT_STORE) };
}

/** Event types of a stream, in order. */
export async function typesOf(store: EventStore, stream: string): Promise<string[]> {
  return (await store.readStream(stream)).map((event) => event.type);
}

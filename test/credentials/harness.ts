import { Get } from '@nestjs/common';
import { CredentialsModule, VersionsModule } from '@roamledger/credentials';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { ModuleKit } from '@roamledger/module-kit';
import { ROAMLEDGER_MODULES } from '@roamledger/modules';
import { Exchange, OcpiController, type OcpiExchange, ocpiResponse } from '@roamledger/ocpi-transport';
import { ServiceModule } from '@roamledger/service';
import { startTestApp, type TestApp } from '../support/test-app';

export const ADMIN_KEY = 'test-admin-key-0123456789';

/** A functional (not configuration) module stand-in: Token A must not pass here, Token C must. */
@OcpiController('ocpi/emsp/2.2.1/ping')
export class PingController {
  @Get()
  ping(@Exchange() exchange: OcpiExchange) {
    return ocpiResponse({ partner_id: exchange.partner?.partnerId, roles: exchange.partner?.roles });
  }
}

export interface CredentialsHarness extends TestApp {
  store: EventStore;
  base: string;
  /** Calls the admin API with the admin key (or the headers given). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read the JSON they asked for
  admin<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
}

/** The versions and credentials modules on a real HTTP port, with a test-only functional route. */
export async function startCredentialsApp(env: Record<string, string> = {}): Promise<CredentialsHarness> {
  const harness = await startTestApp(
    (config) => ({
      module: class CredentialsTestModule {},
      imports: [ServiceModule.forRoot(config), ModuleKit.forRoot(ROAMLEDGER_MODULES), VersionsModule, CredentialsModule],
      controllers: [PingController],
    }),
    { ADMIN_API_KEY: ADMIN_KEY, ...env },
    { listen: true },
  );
  const base = harness.config.publicUrl;
  return {
    ...harness,
    store: harness.app.get(EVENT_STORE),
    base,
    async admin(method, path, body, headers = { authorization: `Bearer ${ADMIN_KEY}` }) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

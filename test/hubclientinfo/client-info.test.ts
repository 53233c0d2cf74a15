import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { clientInfoDecider } from '@roamledger/hubclientinfo';
import { deciderSpec } from '@roamledger/kernel';
import type { PartnerLinksPort } from '@roamledger/module-kit';
import type { ClientInfo } from '@roamledger/ocpi';
import { OcpiClient } from '@roamledger/ocpi-transport';
import { tokenPushStream } from '@roamledger/tokens';
import { CPO, HUB, startHubClientApp } from '../support/hub-partners';
import { PartnerServer } from '../support/partner-server';
import type { TestApp } from '../support/test-app';

const ADMIN_KEY = 'clientinfo-admin-key';
const APP_KEY = 'clientinfo-app-key';

const info = (status: string, last_updated: string): ClientInfo =>
  ({ country_code: 'DE', party_id: 'ABC', role: 'CPO', status, last_updated }) as ClientInfo;

describe('HubClientInfo decider', () => {
  const spec = deciderSpec(clientInfoDecider);
  test('a newer status replaces the one held, with the previous one; an older report is kept as stale', () => {
    const first = spec
      .given([])
      .when({ type: 'PutClientInfo', info: info('OFFLINE', '2026-11-30T10:00:00Z'), partnerId: 'p-hub' });
    assert.deepEqual(first.types, ['ClientInfoUpdated']);
    const back = spec
      .given(first.events)
      .when({ type: 'PutClientInfo', info: info('CONNECTED', '2026-11-30T11:00:00Z'), partnerId: 'p-hub' });
    assert.equal((back.events[0].data as { previous_status: string }).previous_status, 'OFFLINE');
    assert.equal(back.after.info?.status, 'CONNECTED');
    spec
      .given([...first.events, ...back.events])
      .when({ type: 'PutClientInfo', info: info('OFFLINE', '2026-11-30T09:00:00Z'), partnerId: 'p-hub' })
      .then([
        {
          type: 'StaleClientInfoReceived',
          data: {
            country_code: 'DE',
            party_id: 'ABC',
            last_updated: '2026-11-30T09:00:00Z',
            held_last_updated: '2026-11-30T11:00:00Z',
            partner_id: 'p-hub',
          },
        },
      ]);
  });

  test('the same report again is nothing new, its instant however written; a new field beside it is', () => {
    const first = spec
      .given([])
      .when({ type: 'PutClientInfo', info: info('CONNECTED', '2026-11-30T10:00:00Z'), partnerId: 'p-hub' });
    spec
      .given(first.events)
      .when({ type: 'PutClientInfo', info: info('CONNECTED', '2026-11-30T10:00:00.000Z'), partnerId: 'p-hub' })
      .then([]);
    const extra = { ...info('CONNECTED', '2026-11-30T10:00:00Z'), note: 'maintenance' } as ClientInfo;
    const withExtra = spec.given(first.events).when({ type: 'PutClientInfo', info: extra, partnerId: 'p-hub' });
    assert.deepEqual(withExtra.types, ['ClientInfoUpdated']);
  });
});

describe('HubClientInfo: pushes and commands to a party the hub reports OFFLINE are skipped, and resume when it is CONNECTED', () => {
  let harness: TestApp;
  let store: EventStore;
  let cpo: PartnerServer;
  const tokensHeld = new Set<string>();
  const commandsReceived: unknown[] = [];

  before(async () => {
    cpo = await new PartnerServer({
      countryCode: 'DE',
      partyId: 'ABC',
      routes: (request) => {
        if (request.path.startsWith('/ocpi/cpo/2.2.1/tokens/')) {
          tokensHeld.add(request.path.split('?')[0].split('/').pop() as string);
          return { data: undefined };
        }
        if (request.path.startsWith('/ocpi/cpo/2.2.1/commands/')) {
          commandsReceived.push(request.body);
          return { data: { result: 'ACCEPTED', timeout: 30 } };
        }
        return undefined;
      },
    }).start();
    const links: PartnerLinksPort = {
      list: async () => [
        {
          partnerId: 'p-cpo',
          name: 'CPO',
          parties: [{ countryCode: 'DE', partyId: 'ABC', role: 'CPO' }],
          endpoint: (module, role) => (role === 'RECEIVER' ? `${cpo.url}/ocpi/cpo/2.2.1/${module}` : undefined),
        },
      ],
      get: async (id) => (await links.list()).find((link) => link.partnerId === id),
      client: async (_id, options) => new OcpiClient({ token: cpo.tokenB, ...options }),
      onContact: () => () => undefined,
    };

    harness = await startHubClientApp(links, ADMIN_KEY, { APP_API_KEY: APP_KEY, PUBLIC_URL: 'https://emsp.example' });
    store = harness.app.get(EVENT_STORE);
  });
  after(async () => {
    await harness?.close();
    await cpo?.close();
  });

  const call = (method: 'GET' | 'PUT' | 'POST' | 'PATCH', url: string, headers: Record<string, string>, body?: unknown) =>
    harness.app.inject({
      method,
      url,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };
  const app = { authorization: `Bearer ${APP_KEY}` };
  const token = (uid: string) => ({
    country_code: 'NL',
    party_id: 'RLG',
    uid,
    type: 'APP_USER',
    contract_id: `NL-RLG-C${uid}`,
    issuer: 'RL',
    valid: true,
    whitelist: 'ALLOWED',
  });
  const until = async (what: string, probe: () => Promise<boolean> | boolean) => {
    const deadline = Date.now() + 10_000;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  test('only a hub PUTs ClientInfo; GET answers what it said', async () => {
    const offline = await call('PUT', '/ocpi/emsp/2.2.1/clientinfo/DE/ABC', HUB, info('OFFLINE', '2026-11-30T10:00:00Z'));
    assert.equal(offline.statusCode, 201, offline.body);
    assert.equal(offline.json().status_code, 1000);
    assert.equal((await call('GET', '/ocpi/emsp/2.2.1/clientinfo/DE/ABC', HUB)).json().data.status, 'OFFLINE');
    assert.equal(
      (await call('PUT', '/ocpi/emsp/2.2.1/clientinfo/DE/ABC', CPO, info('CONNECTED', '2026-11-30T10:01:00Z'))).statusCode,
      403,
    );
    const mismatch = await call('PUT', '/ocpi/emsp/2.2.1/clientinfo/DE/XYZ', HUB, info('CONNECTED', '2026-11-30T10:01:00Z'));
    assert.equal(mismatch.json().status_code, 2001);
  });

  test('while OFFLINE: the token push is skipped (recorded) and a command SKIPPED; CONNECTED again: the token is pushed', async () => {
    assert.equal((await call('POST', '/admin/tokens', admin, token('OFF-1'))).statusCode, 201);
    await until('the skipped push', async () =>
      (await store.readStream(tokenPushStream('p-cpo'))).some((e) => e.type === 'TokenPushSkipped'),
    );
    const skipped = (await store.readStream(tokenPushStream('p-cpo'))).find((e) => e.type === 'TokenPushSkipped');
    assert.ok(skipped);
    assert.match((skipped.data as { reason: string }).reason, /OFFLINE/);
    assert.equal(tokensHeld.size, 0);

    const sent = await call('POST', '/api/commands', app, {
      to: { country_code: 'DE', party_id: 'ABC' },
      command: 'START_SESSION',
      body: { token: { uid: 'OFF-1', type: 'APP_USER' }, location_id: 'LOC1' },
    });
    assert.equal(sent.statusCode, 202, sent.body);
    await until(
      'the skipped command',
      async () => (await call('GET', `/api/commands/${sent.json().id}`, app)).json().status === 'SKIPPED',
    );
    assert.equal(commandsReceived.length, 0);

    const back = await call('PUT', '/ocpi/emsp/2.2.1/clientinfo/DE/ABC', HUB, info('CONNECTED', '2026-11-30T11:00:00Z'));
    assert.equal(back.statusCode, 200);
    await until('the token at the CPO', () => tokensHeld.has('OFF-1'));
    // The resync is recorded once its PUTs are answered: after the CPO holds the token.
    await until('the recorded resync', async () =>
      (await store.readStream(tokenPushStream('p-cpo'))).some((e) => e.type === 'TokensResynced'),
    );
    const resynced = (await store.readStream(tokenPushStream('p-cpo'))).find((e) => e.type === 'TokensResynced');
    assert.ok(resynced);
    assert.equal((resynced.data as { trigger: string }).trigger, 'reconnect');

    const again = await call('POST', '/api/commands', app, {
      to: { country_code: 'DE', party_id: 'ABC' },
      command: 'START_SESSION',
      body: { token: { uid: 'OFF-1', type: 'APP_USER' }, location_id: 'LOC1' },
    });
    await until(
      'the command at the CPO',
      async () => (await call('GET', `/api/commands/${again.json().id}`, app)).json().status === 'ACCEPTED',
    );
    assert.equal(commandsReceived.length, 1);
  });

  test('a hub reports ClientInfo on the 2.3.0 route: same decider, an undocumented field kept, GET in 2.3.0', async () => {
    const put = await call('PUT', '/ocpi/emsp/2.3.0/clientinfo/DE/NEW', HUB, {
      ...info('PLANNED', '2026-11-30T12:00:00Z'),
      country_code: 'DE',
      party_id: 'NEW',
      hub_region: 'EU-West',
    });
    assert.equal(put.statusCode, 201, put.body);
    const held = (await call('GET', '/ocpi/emsp/2.3.0/clientinfo/DE/NEW', HUB)).json().data;
    assert.equal(held.status, 'PLANNED');
    assert.equal(held.hub_region, 'EU-West');
    // The same party's status read on the 2.2.1 route: one model.
    assert.equal((await call('GET', '/ocpi/emsp/2.2.1/clientinfo/DE/NEW', HUB)).json().data.status, 'PLANNED');
    const stale = await call('PUT', '/ocpi/emsp/2.3.0/clientinfo/DE/NEW', HUB, {
      ...info('CONNECTED', '2026-11-30T11:00:00Z'),
      party_id: 'NEW',
    });
    assert.match(stale.json().status_message, /older/);
    assert.equal(
      (await call('PUT', '/ocpi/emsp/2.3.0/clientinfo/DE/NEW', CPO, info('CONNECTED', '2026-11-30T13:00:00Z'))).statusCode,
      403,
    );
  });
});

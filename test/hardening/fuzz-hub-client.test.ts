// Issue 15: the fuzz run over the last receivers: HubClientInfo (a hub's PUT of a party's status,
// 2.2.1 and 2.3.0) and Commands (a CPO's CommandResult on our response_url, in every version), and
// the driver app's /api/commands. Asserts: no 5xx, the envelope on every /ocpi reply, and a good
// ClientInfo is still taken afterwards.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CPO, HUB, startHubClientApp } from '../support/hub-partners';
import type { TestApp } from '../support/test-app';
import { noPartnerLinks } from '../tokens/tokens-harness';
import { encodeQueryValue, FuzzTally, fuzzKit, type Json, prng } from './fuzz-kit';

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const COUNT = Number(process.env.FUZZ_COUNT ?? 1000);
const APP_KEY = 'fuzz-app-key-0123456789abcdef';

let harness: TestApp;
before(async () => {
  harness = await startHubClientApp(noPartnerLinks, 'fuzz-admin-key', {
    APP_API_KEY: APP_KEY,
    PUBLIC_URL: 'https://emsp.example',
    PARTNER_RATE_LIMIT: '0',
    REJECTED_EVENTS_PER_MINUTE: '100000',
  });
});
after(() => harness?.close());

test(`fuzz: ${COUNT} mutations (seed ${SEED}) over HubClientInfo, CommandResult and /api/commands: no 5xx, the envelope on every /ocpi reply`, async () => {
  const random = prng(SEED);
  const { pick, oddValues, mutate, rawBody } = fuzzKit(random);
  const ids = ['C1', 'NOPE', '%00', 'A%0AB', '%ZZ', '%ED%A0%80', 'x'.repeat(120), '..', '%2F'];
  const clientInfo = (): Json => ({
    country_code: 'DE',
    party_id: 'ABC',
    role: 'CPO',
    status: pick(['CONNECTED', 'OFFLINE', 'PLANNED', 'SUSPENDED']),
    last_updated: '2026-11-30T10:00:00Z',
  });
  const tally = new FuzzTally();
  for (let i = 0; i < COUNT; i++) {
    const kind = random();
    let method: 'GET' | 'POST' | 'PUT';
    let url: string;
    let payload: string | undefined;
    let headers: Record<string, string>;
    if (kind < 0.35) {
      method = pick(['PUT', 'PUT', 'GET'] as const);
      url = `/ocpi/emsp/${pick(['2.2.1', '2.3.0'])}/clientinfo/${pick(['DE/ABC', 'DE/XYZ', 'de/abc', '%00/ABC', 'D/ABCD'])}`;
      headers = { ...(random() < 0.85 ? HUB : CPO) };
      if (method === 'PUT') payload = rawBody(mutate(clientInfo()));
    } else if (kind < 0.7) {
      method = pick(['POST', 'POST', 'PUT', 'GET'] as const);
      const command = pick(['START_SESSION', 'STOP_SESSION', 'UNLOCK_CONNECTOR', 'RESERVE_NOW', 'CANCEL_RESERVATION', 'X']);
      url = `/ocpi/emsp/${pick(['2.1.1', '2.2.1', '2.3.0'])}/commands/${command}/${pick(ids)}`;
      headers = { ...CPO };
      if (method !== 'GET') payload = rawBody(mutate({ result: 'ACCEPTED', message: [{ language: 'en', text: 'ok' }] }));
    } else if (kind < 0.9) {
      method = 'POST';
      url = '/api/commands';
      headers = { authorization: `Bearer ${random() < 0.9 ? APP_KEY : 'wrong'}` };
      payload = rawBody(
        mutate({
          to: { country_code: 'DE', party_id: 'ABC' },
          command: 'START_SESSION',
          body: { token: { uid: 'T1', type: 'APP_USER' }, location_id: 'LOC1' },
        }),
      );
    } else {
      method = 'GET';
      url = `/api/commands/${pick(ids)}?x=${encodeQueryValue(String(oddValues()))}`;
      headers = { authorization: `Bearer ${APP_KEY}` };
    }
    if (payload !== undefined) headers = { ...headers, 'content-type': 'application/json' };
    tally.record(
      i,
      method,
      url,
      await harness.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) }),
    );
  }
  console.log(`# fuzz hub client: ${COUNT} requests (seed ${SEED}): ${tally.summary()}`);
  assert.deepEqual(tally.failures.slice(0, 20), []);

  const good = await harness.app.inject({
    method: 'PUT',
    url: '/ocpi/emsp/2.2.1/clientinfo/DE/ABC',
    headers: { ...HUB, 'content-type': 'application/json' },
    payload: JSON.stringify({ ...(clientInfo() as object), status: 'CONNECTED', last_updated: '2099-01-01T00:00:00Z' }),
  });
  assert.equal(good.json().status_code, 1000, good.body);
});

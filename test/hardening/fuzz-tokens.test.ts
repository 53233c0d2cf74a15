// Issue 15: the fuzz run over the Tokens module, where the CPO calls us (the Sender's GET with its
// paging query, real-time authorization with a LocationReferences body) in every version, and the
// operator's /admin/tokens (issue, import, block). Asserts: no 5xx, the envelope on every /ocpi
// reply, and authorization still answers for a good token afterwards.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CPO_A } from '../support/receiver-app';
import { ourToken, startTokensApp, TOKENS_ADMIN_KEY, type TokensHarness } from '../tokens/tokens-harness';
import { encodeQueryValue, FuzzTally, fuzzKit, type Json, prng } from './fuzz-kit';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const COUNT = Number(process.env.FUZZ_COUNT ?? 1000);
const VERSIONS = ['2.1.1', '2.2.1', '2.3.0'] as const;

const token = (uid: string) => ourToken(uid, { last_updated: '2026-11-02T08:00:00Z' }) as Json;

let hub: TokensHarness;
before(async () => {
  hub = await startTokensApp({ PARTNER_RATE_LIMIT: '0', REJECTED_EVENTS_PER_MINUTE: '100000' });
});
after(() => hub?.close());

test(`fuzz: ${COUNT} mutations (seed ${SEED}) over Tokens and /admin/tokens: no 5xx, the envelope on every /ocpi reply`, async () => {
  const admin = { authorization: `Bearer ${TOKENS_ADMIN_KEY}` };
  // GOOD is fuzzed (blocked, authorized with odd bodies); KEPT is only asked about afterwards.
  for (const uid of ['GOOD', 'KEPT']) {
    const seeded = await hub.app.inject({
      method: 'POST',
      url: '/admin/tokens',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: JSON.stringify(token(uid)),
    });
    assert.equal(seeded.statusCode, 201, seeded.body);
  }

  const random = prng(SEED);
  const { pick, oddValues, mutate, rawBody } = fuzzKit(random);
  const ids = ['GOOD', 'NOPE', '%00', 'A%0AB', '%ZZ', '%ED%A0%80', 'x'.repeat(120), '%E2%82%AC', '..', '%2F'];
  const query = () =>
    encodeQueryValue(String(pick<Json>(['2026-11-01T00:00:00Z', '0000-01-01T00:00:00Z', '-1', '1e308', 'x', '', oddValues()])));
  const tally = new FuzzTally();
  for (let i = 0; i < COUNT; i++) {
    const kind = random();
    const version = pick(VERSIONS);
    let method: 'GET' | 'POST' | 'PATCH' | 'PUT';
    let url: string;
    let payload: string | undefined;
    let headers: Record<string, string> = { ...CPO_A };
    if (kind < 0.3) {
      method = 'GET';
      url = `/ocpi/emsp/${version}/tokens?date_from=${query()}&date_to=${query()}&offset=${query()}&limit=${query()}`;
    } else if (kind < 0.65) {
      method = pick(['POST', 'POST', 'PUT'] as const);
      url = `/ocpi/emsp/${version}/tokens/${pick(ids)}/authorize${random() < 0.5 ? `?type=${pick(['RFID', 'APP_USER', 'X', '%00'])}` : ''}`;
      if (random() < 0.8) payload = rawBody(mutate({ location_id: 'LOC1', evse_uids: ['E1'], connector_ids: ['1'] }));
    } else if (kind < 0.8) {
      method = 'POST';
      url = pick(['/admin/tokens', '/admin/tokens/import']);
      payload = rawBody(
        mutate(url.endsWith('import') ? { source: 'fuzz.ndjson', rows: [{ line: 1, token: token(`F${i}`) }] } : token(`F${i}`)),
      );
      headers = admin;
    } else if (kind < 0.9) {
      method = 'PATCH';
      url = `/admin/tokens/NL/RLG/${pick(ids)}?type=${pick(['RFID', 'X', '%00'])}`;
      payload = rawBody(mutate({ valid: false, whitelist: 'NEVER' }));
      headers = admin;
    } else {
      method = 'GET';
      url = pick([
        `/admin/tokens?valid=${query()}&party=${query()}&cursor=${query()}`,
        `/admin/tokens/NL/RLG/${pick(ids)}`,
        `/admin/tokens/findings?from=${query()}`,
        `/admin/authorizations/${pick(ids)}`,
      ]);
      headers = admin;
    }
    if (payload !== undefined) headers = { ...headers, 'content-type': 'application/json' };
    tally.record(i, method, url, await hub.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) }));
  }
  console.log(`# fuzz tokens: ${COUNT} requests (seed ${SEED}): ${tally.summary()}`);
  assert.deepEqual(tally.failures.slice(0, 20), []);

  const after = await hub.app.inject({
    method: 'POST',
    url: '/ocpi/emsp/2.2.1/tokens/KEPT/authorize',
    headers: { ...CPO_A, 'content-type': 'application/json' },
    payload: JSON.stringify({ location_id: 'LOC1' }),
  });
  assert.equal(after.json().data?.allowed, 'ALLOWED', after.body);
});

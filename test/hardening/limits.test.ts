// Issue 15, item 7: limits that matter. Body size per module, the spec's string sizes, a
// per-partner rate limit (429), a per-partner quota on refused-write events (beyond it one counted
// summary), and every /ocpi reply in the envelope, the framework's own included.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { partnerStream } from '@roamledger/credentials';
import { openPgliteClient, SqlEventStore } from '@roamledger/event-store';
import { OCPI_REJECTIONS_COUNTED } from '@roamledger/ocpi-transport';
import { bodyLimitOf } from '@roamledger/service';
import { session } from '../billing/billing-fixture';
import { CPO_A, startReceiverApp } from '../support/receiver-app';

type Harness = Awaited<ReturnType<typeof startReceiverApp>>;

const body = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ...session('NL*STK', id, { start: '2026-11-02T08:00:00Z', kwh: 1, status: 'ACTIVE', lastUpdated: '2026-11-02T08:00:00Z' }),
    ...extra,
  });

function put(harness: Harness, id: string, payload: string, contentType = 'application/json') {
  return harness.app.inject({
    method: 'PUT',
    url: `/ocpi/emsp/2.2.1/sessions/NL/STK/${id}`,
    headers: { ...CPO_A, 'content-type': contentType },
    payload,
  });
}

function assertEnvelope(response: { statusCode: number; json(): Record<string, unknown> }, http: number, code?: number) {
  assert.equal(response.statusCode, http);
  const json = response.json();
  assert.equal(typeof json.status_code, 'number');
  if (code !== undefined) assert.equal(json.status_code, code);
  assert.equal(typeof json.timestamp, 'string');
}

describe('limits', () => {
  let harness: Harness;
  before(async () => {
    harness = await startReceiverApp();
  });
  after(() => harness?.close());

  test('body size per module: 1 MiB on Sessions, 4 MiB on CDRs, 64 KiB on admin; beyond it 413 in the envelope', async () => {
    assert.equal(bodyLimitOf('/ocpi/emsp/2.2.1/sessions/:country_code/:party_id/:session_id'), 1024 * 1024);
    assert.equal(bodyLimitOf('/ocpi/emsp/2.2.1/cdrs'), 4 * 1024 * 1024);
    assert.equal(bodyLimitOf('/admin/pull/:partner'), 64 * 1024);
    assert.equal(bodyLimitOf('/finance/price'), 4 * 1024 * 1024);
    const huge = await put(harness, 'BIG', body('BIG', { padding: 'x'.repeat(1_100_000) }));
    assertEnvelope(huge, 413);
    assert.deepEqual(await harness.store.readStream('session-NL-STK-BIG'), []);
    assert.equal((await put(harness, 'FITS', body('FITS', { padding: 'x'.repeat(500_000) }))).json().status_code, 1000);
  });

  test("a field beyond the spec's size is refused with 2001", async () => {
    const response = await put(harness, 'LONG', body('LONG', { location_id: 'L'.repeat(37) }));
    assertEnvelope(response, 200, 2001);
    assert.match(response.json().status_message, /location_id/);
  });

  test('every /ocpi reply is in the envelope: unknown route 404, wrong content type 415, wrong method 405', async () => {
    const unknown = await harness.app.inject({ method: 'GET', url: '/ocpi/emsp/2.2.1/nothing-here', headers: CPO_A });
    assertEnvelope(unknown, 404);
    assertEnvelope(await put(harness, 'XML', '<session/>', 'application/xml'), 415);
    const post = await harness.app.inject({
      method: 'POST',
      url: '/ocpi/emsp/2.2.1/sessions/NL/STK/X',
      headers: { ...CPO_A, 'content-type': 'application/json' },
      payload: '{}',
    });
    assertEnvelope(post, 405);
  });
});

describe('per-partner rate limit and refused-write quota', () => {
  let harness: Harness;
  let closed = false;
  before(async () => {
    harness = await startReceiverApp([], { env: { PARTNER_RATE_LIMIT: '1', REJECTED_EVENTS_PER_MINUTE: '3' } });
  });
  after(async () => {
    if (!closed) await harness?.close();
  });

  test('beyond the quota refusals are counted, not recorded one by one; beyond the rate, 429 with Retry-After', async () => {
    // Eight invalid writes at once at 1 a second (bursts of 2): the first go through and are refused
    // with 2001, the others get 429 (unless the machine is so slow that the bucket refills).
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => put(harness, `BAD${i}`, body(`BAD${i}`, { kwh: 'x' }))),
    );
    const refused = responses.filter((response) => response.statusCode === 200);
    const limited = responses.filter((response) => response.statusCode === 429);
    for (const response of refused) assertEnvelope(response, 200, 2001);
    for (const response of limited) {
      assertEnvelope(response, 429);
      assert.ok(Number(response.headers['retry-after']) >= 1);
    }
    assert.equal(refused.length + limited.length, 8);
    assert.ok(refused.length >= 2 && limited.length >= 1, `${refused.length} refused, ${limited.length} limited`);

    const stream = partnerStream('p-cpo-a');
    const events = await harness.store.readStream(stream);
    const recorded = events.filter((e) => e.type === 'OcpiRequestRejected');
    assert.equal(recorded.length, 3, 'the quota: three refusals recorded one by one');
    // The others were answered only once counted in the log (refusals close together share a
    // summary), so nothing is left to append at shutdown.
    const summaries = events
      .filter((e) => e.type === OCPI_REJECTIONS_COUNTED)
      .map((e) => e.data as { count: number; by_status: Record<string, number> });
    const counted: Record<string, number> = {};
    for (const summary of summaries) {
      for (const [status, n] of Object.entries(summary.by_status)) counted[status] = (counted[status] ?? 0) + n;
    }
    assert.equal(
      summaries.reduce((sum, summary) => sum + summary.count, 0),
      5,
    );
    assert.ok((counted['2001/200'] ?? 0) <= refused.length && (counted['2000/429'] ?? 0) <= limited.length);
    assert.equal((counted['2001/200'] ?? 0) + (counted['2000/429'] ?? 0), 5);
    assert.ok(summaries.length >= 1 && summaries.length <= 5, `${summaries.length} summaries`);
    await harness.app.close();
    closed = true;
    const store = await SqlEventStore.open('pglite', await openPgliteClient(path.join(harness.config.dataDir, 'event-store')));
    try {
      // Nothing was left to append at shutdown.
      const after = (await store.readStream(stream)).filter((e) => e.type === OCPI_REJECTIONS_COUNTED);
      assert.equal(after.length, summaries.length);
    } finally {
      await store.close();
      rmSync(harness.config.dataDir, { recursive: true, force: true });
    }
  });
});

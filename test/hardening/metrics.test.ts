// Issue 15: Prometheus /metrics (prom-client) with requests per module and status, append
// latency, projection lag and poison events, and memory.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BillingModule } from '@roamledger/billing';
import { ProjectionHost } from '@roamledger/projections';
import { moduleOf } from '@roamledger/service';
import { session } from '../billing/billing-fixture';
import { CPO_A, startReceiverApp } from '../support/receiver-app';

let harness: Awaited<ReturnType<typeof startReceiverApp>>;
before(async () => {
  harness = await startReceiverApp([], { imports: [BillingModule] });
});
after(() => harness?.close());

test('routes are labelled by module, never by raw URL', () => {
  assert.equal(moduleOf('/ocpi/emsp/2.2.1/sessions/:country_code/:party_id/:session_id'), 'sessions');
  assert.equal(moduleOf('/ocpi/emsp/2.2.1/cdrs'), 'cdrs');
  assert.equal(moduleOf('/ocpi/2.2.1/credentials'), 'credentials');
  assert.equal(moduleOf('/ocpi/versions/2.2.1'), 'versions');
  assert.equal(moduleOf('/admin/partners/:id'), 'admin');
  assert.equal(moduleOf('/finance/cdrs'), 'finance');
  assert.equal(moduleOf('/health'), 'service');
  assert.equal(moduleOf(undefined), 'none');
});

test('GET /metrics has request counts and latency per module and status, appends, projection lag, poison events, memory', async () => {
  const body = session('NL*STK', 'M1', {
    start: '2026-11-02T08:00:00Z',
    kwh: 1,
    status: 'ACTIVE',
    lastUpdated: '2026-11-02T08:00:00Z',
  });
  const put = await harness.app.inject({
    method: 'PUT',
    url: '/ocpi/emsp/2.2.1/sessions/NL/STK/M1',
    headers: { ...CPO_A, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  assert.equal(put.statusCode, 201);
  await harness.app.get(ProjectionHost).waitFor('billing', await harness.store.headPosition());
  const response = await harness.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /text\/plain/);
  const text = response.body;
  assert.match(text, /^roamledger_http_request_duration_seconds_count\{module="sessions",method="PUT",status="201"\} 1$/m);
  assert.match(
    text,
    /^roamledger_http_request_duration_seconds_bucket\{le="0.5",module="sessions",method="PUT",status="201"\} 1$/m,
  );
  assert.match(text, /^roamledger_event_store_append_duration_seconds_count\{outcome="ok"\} [1-9]/m);
  assert.match(text, /^roamledger_projection_lag_events\{projection="billing"\} 0$/m);
  assert.match(text, /^roamledger_projection_poison_events\{projection="billing"\} 0$/m);
  assert.match(text, /^process_resident_memory_bytes \d+/m);
  assert.match(text, /^nodejs_heap_size_used_bytes \d+/m);
});

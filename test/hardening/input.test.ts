// Issue 15, items 5 and 6: no input makes a 5xx, and nothing a partner sends can forge a log line.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BillingModule } from '@roamledger/billing';
import type { EventStore } from '@roamledger/event-store';
import { JsonLogger, MAX_JSON_DEPTH } from '@roamledger/service';
import { session } from '../billing/billing-fixture';
import { CPO_A, RECEIVER_ADMIN_KEY, startReceiverApp } from '../support/receiver-app';
import type { TestApp } from '../support/test-app';

const FINANCE_KEY = 'input-test-finance-key-0123456789abcdef';

/** A JsonLogger writing to memory: one entry per line written. */
function memoryLogger(): { logger: JsonLogger; lines: string[] } {
  const lines: string[] = [];
  let pending = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts);
      done();
    },
  });
  return { logger: new JsonLogger('log', sink), lines };
}

describe('no input makes a 5xx', () => {
  let harness: TestApp & { store: EventStore };
  const memory = memoryLogger();

  before(async () => {
    harness = await startReceiverApp([], { env: { FINANCE_API_KEY: FINANCE_KEY }, imports: [BillingModule] });
    harness.app.useLogger(memory.logger);
  });
  after(() => harness?.close());

  const body = (id: string, extra: Record<string, unknown> = {}) => ({
    ...session('NL*STK', id, { start: '2026-11-02T08:00:00Z', kwh: 1, status: 'ACTIVE', lastUpdated: '2026-11-02T08:00:00Z' }),
    ...extra,
  });
  const ocpi = (method: 'GET' | 'PUT', url: string, payload?: string, headers: Record<string, string> = {}) =>
    harness.app.inject({
      method,
      url: `/ocpi/emsp/2.2.1/sessions/${url}`,
      headers: { ...CPO_A, ...(payload ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(payload ? { payload } : {}),
    });
  const assertEnvelope = (response: { statusCode: number; json(): Record<string, unknown> }, http: number, code: number) => {
    assert.equal(response.statusCode, http);
    const json = response.json();
    assert.equal(json.status_code, code);
    assert.equal(typeof json.timestamp, 'string');
  };

  test(`JSON nested 10,000 deep: 2001 (depth limit ${MAX_JSON_DEPTH}), nothing but a rejection stored`, async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const text = JSON.stringify(body('DEEP')).replace(/}$/, `,"extra":${deep}}`);
    const response = await ocpi('PUT', 'NL/STK/DEEP', text);
    assertEnvelope(response, 200, 2001);
    assert.match(response.json().status_message, /nested deeper/);
    assert.deepEqual(await harness.store.readStream('session-NL-STK-DEEP'), []);
  });

  test('NUL and a lone surrogate in a body: 2001, not a database error', async () => {
    const nul = await ocpi('PUT', 'NL/STK/NUL', JSON.stringify(body('NUL', { location_id: 'L\u0000C' })));
    assertEnvelope(nul, 200, 2001);
    assert.match(nul.json().status_message, /location_id holds a NUL/);
    const lone = JSON.stringify(body('SUR', { location_id: 'LOC' })).replace('"LOC"', '"\\ud800LOC"');
    const surrogate = await ocpi('PUT', 'NL/STK/SUR', lone);
    assertEnvelope(surrogate, 200, 2001);
    assert.match(surrogate.json().status_message, /lone UTF-16 surrogate/);
  });

  test('NUL, CR/LF and lone surrogates in a URL id or query: 400 in the envelope', async () => {
    for (const url of ['NL/STK/A%00B', 'NL/STK/A%0AFORGED', 'NL/STK/A?x=%00', 'NL/STK/A%0D%0A']) {
      assertEnvelope(await ocpi('GET', url), 400, 2001);
    }
  });

  test("Fastify's own refusals on /ocpi are in the envelope: bad URL encoding (400), a long id (414)", async () => {
    assertEnvelope(await ocpi('GET', 'NL/STK/%E0%A4%A'), 400, 2001);
    assertEnvelope(await ocpi('GET', `NL/STK/${'X'.repeat(300)}`), 414, 2001);
  });

  test('admin fields and finance queries with NUL, and a forged finance cursor: 400', async () => {
    const admin = await harness.app.inject({
      method: 'POST',
      url: '/admin/pull/p-cpo-a',
      headers: { authorization: `Bearer ${RECEIVER_ADMIN_KEY}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ from: '2026-01-01T00:00:00Z\u0000' }),
    });
    assert.equal(admin.statusCode, 400);
    const finance = (url: string) =>
      harness.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${FINANCE_KEY}` } });
    assert.equal((await finance('/finance/cdrs?partner=DE*AB%00C')).statusCode, 400);
    const forged = Buffer.from(JSON.stringify(['not a time', 'DE', 'ABC', 'x'])).toString('base64url');
    assert.equal((await finance(`/finance/cdrs?cursor=${forged}`)).statusCode, 400);
    const nul = Buffer.from(JSON.stringify(['2026-11-02T09:00:00.000Z', 'D\u0000', 'ABC', 'x'])).toString('base64url');
    assert.equal((await finance(`/finance/cdrs?cursor=${nul}`)).statusCode, 400);
    const fine = Buffer.from(JSON.stringify(['2026-11-02T09:00:00.000Z', 'DE', 'ABC', 'x'])).toString('base64url');
    assert.equal((await finance(`/finance/cdrs?cursor=${fine}`)).statusCode, 200);
  });

  test('log lines are JSON objects, one per line, with the request and correlation ids', async () => {
    memory.lines.length = 0;
    await ocpi('PUT', 'NL/STK/X1', '{"id": "X1"', { 'x-request-id': 'req-42', 'x-correlation-id': 'corr-7' });
    await ocpi('GET', 'NL/STK/A%0A%7B%22level%22%3A%22error%22%7D');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const entries = memory.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const rejected = entries.find((entry) => entry.request_id === 'req-42');
    assert.ok(rejected, memory.lines.join('\n'));
    assert.equal(rejected.correlation_id, 'corr-7');
    assert.match(String(rejected.msg), /Malformed JSON/);
    // The forged line is inside one entry's message, still percent-encoded: no entry of its own.
    assert.ok(entries.some((entry) => String(entry.msg).includes('A%0A%7B')));
    assert.ok(entries.every((entry) => entry.level !== 'error'));
  });

  test('a message with CR, LF and NUL stays on one line, escaped', () => {
    const { logger, lines } = memoryLogger();
    logger.warn('id "A\nB\r\u0000C"', 'ocpi');
    logger.pino.flush();
    return new Promise<void>((resolve) => {
      setImmediate(() => {
        assert.equal(lines.length, 1);
        assert.equal(JSON.parse(lines[0]).msg, 'id "A\nB\r\u0000C"');
        assert.equal(JSON.parse(lines[0]).context, 'ocpi');
        resolve();
      });
    });
  });
});

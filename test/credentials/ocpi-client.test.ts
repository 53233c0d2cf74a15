import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { nextLink, OcpiCallError, OcpiClient } from '@roamledger/ocpi-transport';

// A tiny partner with scripted answers, to see exactly what the client sends and how it reacts.
describe('OcpiClient', () => {
  let server: Server;
  let base: string;
  const seen: IncomingMessage[] = [];
  let flakyFailures = 0;

  const envelope = (data: unknown, statusCode = 1000, message?: string) =>
    JSON.stringify({
      data,
      status_code: statusCode,
      ...(message ? { status_message: message } : {}),
      timestamp: new Date().toISOString(),
    });

  before(async () => {
    const items = Array.from({ length: 5 }, (_, i) => ({ id: `cdr-${i}` }));
    server = createServer((request, response) => {
      seen.push(request);
      const url = new URL(request.url ?? '/', base);
      response.setHeader('content-type', 'application/json');
      switch (url.pathname) {
        case '/ok':
          return response.end(envelope({ hello: 'world' }));
        case '/echo': {
          let body = '';
          request.on('data', (chunk) => (body += chunk));
          request.on('end', () => response.end(envelope(JSON.parse(body))));
          return;
        }
        case '/unknown-location':
          return response.end(envelope(null, 2003, 'Unknown Location'));
        case '/not-json':
          return response.end('<html>oops</html>');
        case '/forbidden':
          response.statusCode = 404;
          return response.end(envelope(null, 2000, 'nope'));
        case '/flaky':
          if (flakyFailures-- > 0) {
            response.statusCode = 503;
            return response.end(envelope(null, 3000, 'busy'));
          }
          return response.end(envelope('finally'));
        case '/slow':
          setTimeout(() => response.end(envelope('late')), 300);
          return;
        case '/cdrs': {
          const offset = Number(url.searchParams.get('offset') ?? 0);
          const limit = 2;
          response.setHeader('x-total-count', String(items.length));
          response.setHeader('x-limit', String(limit));
          if (offset + limit < items.length) {
            const next = new URL(url);
            next.searchParams.set('offset', String(offset + limit));
            next.searchParams.set('limit', String(limit));
            response.setHeader('link', `<${next}>; rel="next"`);
          }
          return response.end(envelope(items.slice(offset, offset + limit)));
        }
        default:
          response.statusCode = 404;
          return response.end(envelope(null, 2000, 'no route'));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = (extra: Partial<ConstructorParameters<typeof OcpiClient>[0]> = {}) =>
    new OcpiClient({ token: 'my-token', backoffMs: 10, ...extra });

  test('sends the Base64 token, request/correlation ids and routing headers; returns data', async () => {
    const data = await client({
      fromParty: { countryCode: 'NL', partyId: 'RLG' },
      toParty: { countryCode: 'DE', partyId: 'ABC' },
    }).get<{ hello: string }>(`${base}/ok`);
    assert.deepEqual(data, { hello: 'world' });
    const headers = seen.at(-1)?.headers ?? {};
    assert.equal(headers.authorization, `Token ${Buffer.from('my-token').toString('base64')}`);
    assert.match(String(headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.match(String(headers['x-correlation-id']), /^[0-9a-f-]{36}$/);
    assert.equal(headers['ocpi-from-country-code'], 'NL');
    assert.equal(headers['ocpi-from-party-id'], 'RLG');
    assert.equal(headers['ocpi-to-country-code'], 'DE');
    assert.equal(headers['ocpi-to-party-id'], 'ABC');

    await client({ plainToken: true }).get(`${base}/ok`);
    assert.equal(seen.at(-1)?.headers.authorization, 'Token my-token');
  });

  test('sends JSON bodies and query parameters', async () => {
    assert.deepEqual(await client().post(`${base}/echo`, { a: 1 }), { a: 1 });
    assert.equal(seen.at(-1)?.headers['content-type'], 'application/json');
    await client().get(`${base}/ok`, { date_from: new Date('2026-01-01T00:00:00Z'), limit: 10, skip: undefined });
    assert.equal(seen.at(-1)?.url, '/ok?date_from=2026-01-01T00%3A00%3A00.000Z&limit=10');
  });

  test('a non-success status code is an error carrying the code, not retried', async () => {
    const before = seen.length;
    await assert.rejects(client().get(`${base}/unknown-location`), (error: unknown) => {
      assert.ok(error instanceof OcpiCallError);
      assert.equal(error.failure, 'status');
      assert.equal(error.statusCode, 2003);
      assert.equal(error.statusMessage, 'Unknown Location');
      return true;
    });
    assert.equal(seen.length, before + 1);
  });

  test('a body that is not an envelope, and an HTTP 4xx, fail without retries', async () => {
    await assert.rejects(
      client().get(`${base}/not-json`),
      (error: unknown) => error instanceof OcpiCallError && error.failure === 'envelope',
    );
    const before = seen.length;
    await assert.rejects(client().get(`${base}/forbidden`), (error: unknown) => {
      assert.ok(error instanceof OcpiCallError);
      assert.equal(error.failure, 'http');
      assert.equal(error.httpStatus, 404);
      assert.equal(error.statusCode, 2000);
      return true;
    });
    assert.equal(seen.length, before + 1);
  });

  test('5xx is retried with backoff, up to the bound', async () => {
    flakyFailures = 2;
    const before = seen.length;
    assert.equal(await client({ retries: 2 }).get(`${base}/flaky`), 'finally');
    assert.equal(seen.length, before + 3);
    // Retries keep the correlation id and change the request id.
    const [first, second] = seen.slice(before);
    assert.equal(first.headers['x-correlation-id'], second.headers['x-correlation-id']);
    assert.notEqual(first.headers['x-request-id'], second.headers['x-request-id']);

    flakyFailures = 5;
    await assert.rejects(client({ retries: 1 }).get(`${base}/flaky`), (error: unknown) => {
      assert.ok(error instanceof OcpiCallError);
      assert.equal(error.httpStatus, 503);
      assert.equal(error.attempts, 2);
      return true;
    });
    flakyFailures = 0;
  });

  test('timeouts and network errors are typed and retried', async () => {
    const before = seen.length;
    await assert.rejects(client({ timeoutMs: 50, retries: 1 }).get(`${base}/slow`), (error: unknown) => {
      assert.ok(error instanceof OcpiCallError);
      assert.equal(error.failure, 'timeout');
      assert.equal(error.attempts, 2);
      return true;
    });
    assert.equal(seen.length, before + 2);
    await assert.rejects(client({ retries: 0 }).get('http://127.0.0.1:1/nothing'), (error: unknown) => {
      assert.ok(error instanceof OcpiCallError);
      assert.equal(error.failure, 'network');
      return true;
    });
  });

  test('paginate follows Link rel="next" and reads X-Total-Count and X-Limit', async () => {
    const pages = [];
    for await (const page of client().paginate<{ id: string }>(`${base}/cdrs`, { date_from: '2026-01-01T00:00:00Z' }))
      pages.push(page);
    assert.deepEqual(
      pages.map((page) => page.data.map((item) => item.id)),
      [['cdr-0', 'cdr-1'], ['cdr-2', 'cdr-3'], ['cdr-4']],
    );
    assert.ok(pages.every((page) => page.totalCount === 5 && page.limit === 2));
    assert.match(pages[1].url, /offset=2/);
    assert.match(pages[1].url, /date_from=/, 'the next link keeps the filters');
  });

  test('nextLink reads RFC 8288 headers with several links', () => {
    const base = 'https://cpo.example/ocpi/cdrs';
    assert.equal(nextLink('<https://x/a?offset=2>; rel="next"', base), 'https://x/a?offset=2');
    assert.equal(nextLink('<https://x/p>; rel="prev", <https://x/n>; rel=next', base), 'https://x/n');
    assert.equal(nextLink('</ocpi/cdrs?offset=4>; rel="next"', base), 'https://cpo.example/ocpi/cdrs?offset=4');
    assert.equal(nextLink('<https://x/p>; rel="prev"', base), undefined);
    assert.equal(nextLink(null, base), undefined);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { hubModule, serviceModule } from '@roamledger/modules';
import { createService, loadConfig, OPENAPI_VERSION } from '@roamledger/service';
import { startTestApp } from '../support/test-app';

// Our own APIs are documented by generated OpenAPI documents, one per prefix; the OCPI routes by the
// OCPI 2.2.1 OpenAPI, /health is the readiness probe of the deployments, and the documents and their
// pages (Swagger UI and its assets) are no part of the APIs they describe.
const DOCUMENTS = {
  '/admin/': '/admin/docs',
  '/finance/': '/finance/docs',
  '/catalog/': '/catalog/docs',
  '/api/': '/api/docs',
  '/audit/': '/audit/docs',
} as const;
// The console's pages and files (/console) are no API: they call the documented ones.
const DOCUMENTED_ELSEWHERE = [
  /^\/ocpi\//,
  /^\/health$/,
  /^\/metrics$/,
  /^\/console(\/|$)/,
  /^\/(admin|finance|catalog|api|audit)\/docs(\/|$)/,
];
/** Operations each document has at least (the driver-app API is small). */
const MIN_OPERATIONS: Record<string, number> = {
  '/admin/docs': 7,
  '/finance/docs': 7,
  '/catalog/docs': 4,
  '/api/docs': 2,
  '/audit/docs': 5,
};

type OpenApi = { openapi: string; paths: Record<string, Record<string, unknown>> };

/** `/admin/partners/:id` as OpenAPI writes it: `/admin/partners/{id}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI documents of the hub', () => {
  let app: NestFastifyApplication;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-docs-'));
  // Every route Fastify registers, as it registers it (HEAD is Fastify's automatic twin of GET).
  const routes: Array<{ method: string; url: string }> = [];
  const documents: Record<string, OpenApi> = {};

  before(async () => {
    app = await createService(hubModule, loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' }));
    const fastify = app.getHttpAdapter().getInstance();
    fastify.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
    });
    await app.init();
    await fastify.ready();
    for (const url of Object.values(DOCUMENTS)) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200, url);
      documents[url] = response.json();
    }
  });
  after(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('every route the hub registers appears in its document, or is an OCPI route or /health', () => {
    assert.ok(routes.length > 20, `only ${routes.length} routes seen`);
    const missing: string[] = [];
    for (const { method, url } of routes) {
      if (DOCUMENTED_ELSEWHERE.some((pattern) => pattern.test(url))) continue;
      const prefix = Object.keys(DOCUMENTS).find((p) => url.startsWith(p)) as keyof typeof DOCUMENTS | undefined;
      if (!prefix) {
        missing.push(`${method} ${url}: in no document`);
        continue;
      }
      if (!documents[DOCUMENTS[prefix]].paths[openApiPath(url)]?.[method.toLowerCase()]) {
        missing.push(`${method} ${url}: not in ${DOCUMENTS[prefix]}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test('every operation of a document is a route the hub registers', () => {
    const registered = new Set(routes.map(({ method, url }) => `${method.toLowerCase()} ${openApiPath(url)}`));
    for (const [url, document] of Object.entries(documents)) {
      assert.equal(document.openapi, OPENAPI_VERSION);
      const operations = Object.entries(document.paths).flatMap(([route, item]) =>
        Object.keys(item).map((method) => `${method} ${route}`),
      );
      assert.ok(operations.length >= MIN_OPERATIONS[url], `${url}: ${operations.length} operations`);
      assert.deepEqual(
        operations.filter((operation) => !registered.has(operation)),
        [],
        url,
      );
    }
  });

  test('each document is public, as JSON and as a browsable page', async () => {
    for (const url of Object.values(DOCUMENTS)) {
      const json = await app.inject({ method: 'GET', url });
      assert.match(json.headers['content-type'] as string, /^application\/json/);
      const page = await app.inject({ method: 'GET', url: `${url}/ui` });
      assert.equal(page.statusCode, 200, `${url}/ui`);
      assert.match(page.headers['content-type'] as string, /^text\/html/);
      const asset = await app.inject({ method: 'GET', url: `${url}/ui/swagger-ui-bundle.js` });
      assert.equal(asset.statusCode, 200, `${url}/ui/swagger-ui-bundle.js`);
    }
  });

  test('the admin document describes its requests and answers from the DTOs', () => {
    const admin = documents['/admin/docs'] as OpenApi & {
      components: { schemas: Record<string, { properties: object; required?: string[] }> };
    };
    const invite = admin.paths['/admin/partners'].post as { requestBody: unknown; responses: Record<string, unknown> };
    assert.deepEqual(invite.requestBody, {
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/InvitePartnerRequest' } } },
    });
    assert.deepEqual(Object.keys(admin.components.schemas.InvitePartnerRequest.properties).sort(), [
      'country_code',
      'name',
      'parties',
      'party_id',
      'roles',
    ]);
    assert.deepEqual([...(admin.components.schemas.InvitePartnerRequest.required ?? [])].sort(), [
      'country_code',
      'name',
      'party_id',
      'roles',
    ]);
    assert.ok(invite.responses['201'] && invite.responses['400'] && invite.responses['401'] && invite.responses['409']);
    assert.ok(admin.components.schemas.AdminPartner.properties);
    assert.ok(admin.components.schemas.PullReports.properties);
    // Nothing of the finance API leaks in.
    assert.equal(admin.components.schemas.FinanceCdr, undefined);
  });
});

test('a service documents what it runs: the pull service has /admin/pull, not the partners API', async () => {
  const harness = await startTestApp((config) => serviceModule('pull', config));
  try {
    const admin = (await harness.app.inject({ method: 'GET', url: '/admin/docs' })).json() as OpenApi;
    assert.deepEqual(Object.keys(admin.paths).sort(), ['/admin/pull', '/admin/pull/{partnerId}']);
    assert.equal((await harness.app.inject({ method: 'GET', url: '/finance/docs' })).statusCode, 404);
  } finally {
    await harness.close();
  }
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { hubModule } from '@roamledger/modules';
import { createService, loadConfig } from '@roamledger/service';

let app: NestFastifyApplication;
const dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-hub-'));

before(async () => {
  app = await createService(hubModule, loadConfig({ DATA_DIR: dataDir, PORT: '0' }));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
});
after(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('GET /health answers ok on the embedded store', async () => {
  const response = await app.inject({ method: 'GET', url: '/health' });
  assert.equal(response.statusCode, 200);
  const body = response.json();
  assert.equal(body.status, 'ok');
  assert.equal(body.event_store, 'pglite');
  assert.equal(body.head_position, -1);
});

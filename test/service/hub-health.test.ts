import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
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

test('an idle hub on the embedded store asks its databases nothing', { timeout: 120_000 }, async () => {
  // Counts every statement either PGlite instance (log, projections) runs: the real databases, only counted.
  let statements = 0;
  const methods = ['query', 'exec', 'transaction'] as const;
  const originals = methods.map((name) => PGlite.prototype[name]);
  methods.forEach((name, index) => {
    // biome-ignore lint/suspicious/noExplicitAny: a pass-through of whichever method it wraps.
    (PGlite.prototype as any)[name] = function (this: PGlite, ...args: unknown[]) {
      statements++;
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      return (originals[index] as any).apply(this, args);
    };
  });
  try {
    await app.inject({ method: 'GET', url: '/health' });
    // Start-up work (first catch-ups, the first look for findings) ends; then a quiet second.
    const quietBy = Date.now() + 60_000;
    for (let before = -1; before !== statements; ) {
      assert.ok(Date.now() < quietBy, `the hub never went quiet: ${statements} statements so far`);
      before = statements;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    // Subscribers poll every 200 ms and the findings check runs every second: none of them may read.
    const quiet = statements;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.equal(statements - quiet, 0, 'statements while idle');
  } finally {
    methods.forEach((name, index) => {
      // biome-ignore lint/suspicious/noExplicitAny: restores the original.
      (PGlite.prototype as any)[name] = originals[index];
    });
  }
});

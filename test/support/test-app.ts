import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DynamicModule, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createService, loadConfig, type RoamledgerConfig } from '@roamledger/service';

export interface TestApp {
  app: NestFastifyApplication;
  config: RoamledgerConfig;
  close(): Promise<void>;
}

/** Framework logs stay out of test output unless DEBUG is set. */
export function testLogLevel(): string {
  return process.env.DEBUG ? 'debug' : 'silent';
}

/**
 * A Nest application on a fresh embedded store in a temporary folder, initialised but not
 * listening (use app.inject), unless `listen` is set.
 */
export async function startTestApp(
  rootModule: (config: RoamledgerConfig) => Type<unknown> | DynamicModule,
  env: Record<string, string> = {},
  options: { listen?: boolean } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-test-'));
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: testLogLevel(), ...env });
  const app = await createService(rootModule, config);
  if (options.listen) {
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    config.port = address.port;
    if (!env.PUBLIC_URL) config.publicUrl = `http://127.0.0.1:${address.port}`;
  } else {
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  }
  return {
    app,
    config,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

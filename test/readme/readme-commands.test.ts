import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { billingProjection, billingSettings, pricingProjection } from '@roamledger/billing';
import { openEventStore } from '@roamledger/event-store';
import { openProjectionDb, ProjectionHost } from '@roamledger/projections';
import { loadConfig } from '@roamledger/service';
import { buildLog } from '../audit/log-fixture';
import { writeBillingMonth } from '../billing/billing-fixture';
import { projectRoot } from '../support/project-root';

/**
 * The README's audit examples, run as written (a shell in the project root, as a reader would),
 * against a small embedded store: the README cannot drift from what the commands do.
 */
const root = projectRoot();

/** Command lines of the README's sh blocks that run `npm run … audit`, without their comments. */
export function readmeAuditCommands(readme: string): string[] {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
  return blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => /^(DATA_DIR=\S+ )?npm run (--silent )?audit -- /.test(line));
}

/** Files and folders the examples write in the project root; removed before and after. */
const WRITTEN = ['head.json', 'proof.json', 'nov.ndjson', 'audit-copy'];

function shell(line: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      'bash',
      ['-c', line],
      { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe("the README's audit examples", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-readme-'));
  const env = { DATA_DIR: dataDir, EVENT_STORE: 'pglite' };
  const clean = () => {
    for (const file of WRITTEN) rmSync(path.join(root, file), { recursive: true, force: true });
  };

  before(async () => {
    clean();
    const config = loadConfig(env);
    const store = await openEventStore(config);
    await buildLog(store, { events: 1300, sealEvery: 500, unsealedTail: 0 });
    const head = await writeBillingMonth(store, new Date().toISOString());
    const db = await openProjectionDb({ dataDir });
    const settings = billingSettings(config);
    const host = new ProjectionHost(store, db, [
      billingProjection(settings),
      pricingProjection({ toleranceMinorUnits: settings.pricingToleranceMinorUnits }),
    ]);
    await host.start();
    await host.waitFor('billing', head, 60_000);
    await host.waitFor('pricing', head, 60_000);
    await host.stop();
    await db.close();
    await store.close();
  });
  after(() => {
    clean();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const commands = readmeAuditCommands(readFileSync(path.join(root, 'README.md'), 'utf8'));

  test('the README shows the audit commands, and redirects only --silent output', () => {
    const names = [
      'verify',
      'digest',
      'prove',
      'check-proof',
      'replay',
      'history',
      'state',
      'export',
      'check-export',
      'snapshot',
    ];
    for (const command of names) {
      assert.ok(
        commands.some((line) => line.includes(`audit -- ${command} `) || line.endsWith(`audit -- ${command}`)),
        `no README example of audit ${command}`,
      );
    }
    // npm prints its "> roamledger@… audit" banner on stdout unless --silent: it would end up in the file.
    for (const line of commands.filter((l) => l.includes('>'))) assert.match(line, /^npm run --silent /, line);
    // Examples write only inside the project (and the test removes what they wrote).
    for (const line of commands) assert.doesNotMatch(line, /\.\.\/|\s\//, line);
  });

  // In the README's order: later lines read what earlier ones wrote (head.json, proof.json, nov.ndjson).
  for (const [index, line] of commands.entries()) {
    test(`README example ${index + 1}: ${line}`, async () => {
      const run = await shell(line, env);
      assert.equal(run.code, 0, `${line}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    });
  }

  test('what the examples wrote is JSON (or NDJSON) only', () => {
    for (const file of ['head.json', 'proof.json']) JSON.parse(readFileSync(path.join(root, file), 'utf8'));
    for (const line of readFileSync(path.join(root, 'nov.ndjson'), 'utf8').trim().split('\n')) JSON.parse(line);
  });
});

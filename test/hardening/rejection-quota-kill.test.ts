// Issue 15, item 7: the refused-write quota's counted summary survives a SIGKILL. The receivers
// in a process of their own, a partner flooding them with invalid writes far beyond its quota,
// the process SIGKILLed mid-flood: every refusal the partner was answered is in the log, one by
// one or in a count, and the counts cost a bounded number of events.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { partnerStream } from '@roamledger/credentials';
import { openPgliteClient, SqlEventStore } from '@roamledger/event-store';
import { OCPI_REJECTIONS_COUNTED } from '@roamledger/ocpi-transport';
import { session } from '../billing/billing-fixture';
import { projectRoot } from '../support/project-root';
import { CPO_A } from '../support/receiver-app';

const dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-quota-kill-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

async function start(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-r', './tsconfig-paths-dist.js', 'dist/test/hardening/receiver-process.js', dataDir], {
    cwd: projectRoot(),
    env: { ...process.env, REJECTED_EVENTS_PER_MINUTE: '3' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr?.on('data', (chunk) => output.push(String(chunk)));
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk) => {
      buffered += String(chunk);
      const line = buffered.split('\n').find((l) => l.startsWith('{"port"'));
      if (line) resolve(JSON.parse(line).port);
    });
    child.on('exit', (code) => reject(new Error(`the receiver exited (${code}) before serving: ${output.join('')}`)));
    setTimeout(() => reject(new Error(`the receiver did not serve within 60 s: ${output.join('')}`)), 60_000);
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

test('a SIGKILL mid-flood loses no counted refusal that was answered', { timeout: 180_000 }, async () => {
  const { child, url } = await start();
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let answered = 0;
  let sent = 0;
  let killed = false;
  const started = Date.now();
  const flooder = async (worker: number) => {
    for (let i = 0; !killed; i++) {
      const id = `BAD-${worker}-${i}`;
      // kwh must be a number: refused with 2001 after authentication, a refused write.
      const body = {
        ...session('NL*STK', id, {
          start: '2026-11-02T08:00:00Z',
          kwh: 1,
          status: 'ACTIVE',
          lastUpdated: '2026-11-02T08:00:00Z',
        }),
        kwh: 'x',
      };
      sent++;
      try {
        const response = await fetch(`${url}/ocpi/emsp/2.2.1/sessions/NL/STK/${id}`, {
          method: 'PUT',
          headers: { ...CPO_A, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const json = (await response.json()) as { status_code?: number };
        if (json.status_code === 2001) answered++;
      } catch {
        // Killed under this request: not answered.
      }
    }
  };
  const flooders = Array.from({ length: 16 }, (_, worker) => flooder(worker));
  // Long enough for several summaries, and the kill lands while one is gathering.
  await new Promise((resolve) => setTimeout(resolve, 3_500 + Math.floor(Math.random() * 1_000)));
  child.kill('SIGKILL');
  killed = true;
  await exited;
  await Promise.all(flooders);
  const seconds = (Date.now() - started) / 1000;

  const store = await SqlEventStore.open('pglite', await openPgliteClient(path.join(dataDir, 'event-store')));
  try {
    const events = await store.readStream(partnerStream('p-cpo-a'));
    const oneByOne = events.filter((e) => e.type === 'OcpiRequestRejected').length;
    const summaries = events.filter((e) => e.type === OCPI_REJECTIONS_COUNTED);
    const counted = summaries.reduce((sum, e) => sum + (e.data as { count: number }).count, 0);
    assert.equal(oneByOne, 3, 'the quota: three recorded one by one');
    assert.ok(answered > 3 + summaries.length, `only ${answered} refusals answered`);
    // Every answered refusal is in the log; a refusal counted but killed before its answer may be too.
    assert.ok(oneByOne + counted >= answered, `${answered} refusals answered, ${oneByOne} + ${counted} in the log`);
    assert.ok(oneByOne + counted <= sent, `${oneByOne + counted} in the log, only ${sent} sent`);
    // Bounded cost: at most one summary a second (and the one the kill cut short), not one per refusal.
    assert.ok(summaries.length <= Math.ceil(seconds) + 1, `${summaries.length} summaries in ${seconds} s`);
    console.log(
      `# quota kill: ${answered} of ${sent} refusals answered in ${seconds.toFixed(1)} s before SIGKILL; in the log ${oneByOne} one by one + ${counted} counted in ${summaries.length} summaries`,
    );
  } finally {
    await store.close();
  }
});

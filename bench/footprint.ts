/**
 * The hub's footprint on the embedded store, as README "Start time and footprint" gives it: the
 * hub (dist/apps/hub/main.js, as `npm start` runs it) started on a fresh DATA_DIR, again on it,
 * then on it with BENCH_EVENTS events in the log (the audit tests' session-like fixture, sealed
 * every 1,000). For each: time to a 200 on /health, the CPU time the process used for it, RSS at
 * rest (sampled for BENCH_REST_SECONDS once its CPU is idle) and peak, DATA_DIR's size by folder, and the load average.
 * Prints figures; asserts nothing.
 *   npm run bench:footprint     (BENCH_EVENTS=100000 to change the size, BENCH_REST_SECONDS=60)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { openEventStore } from '@roamledger/event-store';
import { buildLog } from '../test/audit/log-fixture';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const REST_SECONDS = Number(process.env.BENCH_REST_SECONDS ?? 60);
const CLOCK_TICKS = 100;
const MB = 1024 * 1024;

const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** User + system CPU seconds a process has used. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function size(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? size(full) : statSync(full).size;
  }
  return total;
}

function dataSize(dataDir: string): string {
  const folders = readdirSync(dataDir, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  const parts = folders.map((entry) => `${entry.name} ${(size(path.join(dataDir, entry.name)) / MB).toFixed(1)}`);
  return `${(size(dataDir) / MB).toFixed(1)} MB (${parts.join(', ')})`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(label: string, dataDir: string): Promise<void> {
  const port = await freePort();
  const started = Date.now();
  const hub: ChildProcess = spawn(process.execPath, ['-r', './tsconfig-paths-dist.js', 'dist/apps/hub/main.js'], {
    env: {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ADMIN_API_KEY: 'bench-admin-key-0123456789',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = hub.pid as number;
  const exited = new Promise((resolve) => hub.once('exit', resolve));
  try {
    let healthy = 0;
    while (!healthy) {
      if (hub.exitCode !== null) throw new Error(`${label}: the hub exited (${hub.exitCode})`);
      const answer = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      if (answer?.status === 200) healthy = Date.now();
      else await sleep(100);
    }
    const startCpu = cpuSeconds(pid);
    console.log(
      `${label}: /health 200 after ${((healthy - started) / 1000).toFixed(1)} s, ${startCpu.toFixed(1)} s CPU (load ${load()})`,
    );
    // At rest: the process used under 2% of a core over 5 s (projections caught up, start-up done).
    for (let before = cpuSeconds(pid); ; ) {
      await sleep(5_000);
      const now = cpuSeconds(pid);
      if (now - before < 0.1) break;
      before = now;
    }
    console.log(
      `${label}: at rest ${((Date.now() - started) / 1000).toFixed(0)} s after start, ${cpuSeconds(pid).toFixed(1)} s CPU`,
    );
    // V8 gives memory back on its own once the process stays idle (its memory reducer, some
    // 30 s after a catch-up): RSS at rest is the last sample, the first says where it began.
    const samples: number[] = [];
    for (let waited = 0; waited <= REST_SECONDS; waited += 5) {
      samples.push(memory(pid).rss);
      if (waited < REST_SECONDS) await sleep(5_000);
    }
    const { peak } = memory(pid);
    console.log(
      `${label}: RSS at rest ${samples[samples.length - 1].toFixed(0)} MB after ${REST_SECONDS} s idle (every 5 s: ${samples.map((s) => s.toFixed(0)).join(', ')}), peak ${peak.toFixed(0)} MB (load ${load()})`,
    );
  } finally {
    hub.kill('SIGTERM');
    await exited;
  }
  console.log(`${label}: DATA_DIR ${dataSize(dataDir)}`);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-footprint-'));
  try {
    await run('first start, empty log', dataDir);
    await run('second start, empty log', dataDir);
    const store = await openEventStore({ eventStore: 'pglite', dataDir });
    const filling = Date.now();
    await buildLog(store, { events: EVENTS, sealEvery: 1000 });
    await store.close();
    console.log(
      `${EVENTS.toLocaleString('en')} events appended in ${((Date.now() - filling) / 1000).toFixed(0)} s (load ${load()})`,
    );
    await run(`start on ${EVENTS.toLocaleString('en')} events`, dataDir);
    await run(`second start on ${EVENTS.toLocaleString('en')} events`, dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

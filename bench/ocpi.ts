/**
 * Write path speed from outside, as issue 11 measures it: the hub's PATCH session and POST CDR
 * (auth, validation, decide, append) against a bare Fastify route inserting one row into the same
 * database, in the same run, with autocannon; for PGlite and PostgreSQL. Prints figures; asserts nothing.
 *   npm run bench:ocpi      (BENCH_SECONDS=5 per measurement, BENCH_CONNECTIONS=16,
 *                            BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres,
 *                            BENCH_LOG_EVENTS=100000, BENCH_STORES=pglite,postgres,
 *                            BENCH_LARGE_LOG_EVENTS=1000000: the last row's log, 0 to skip it;
 *                            BENCH_SETTLE_SECONDS=600: longest wait for the hub to catch up with it;
 *                            BENCH_SESSION_CDRS=10000: CDRs one session gets before its row;
 *                            BENCH_WARM_UP_SECONDS=5: untimed load on each side before the first row;
 *                            BENCH_CPU_PROFILE=<dir>: a V8 CPU profile of the server during each row's
 *                            hub load, one .cpuprofile per row, for Chrome DevTools)
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openPgliteClient, openPostgresClient, SqlEventStore } from '@roamledger/event-store';
import { encodeCredentialsToken } from '@roamledger/ocpi-transport';
import { Client } from 'pg';
import { BENCH_TOKEN, benchSession, type Inside, type ServerAsk } from './ocpi-server';
import { openLoop, percentile } from './open-loop';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const LOG_EVENTS = Number(process.env.BENCH_LOG_EVENTS ?? 100_000);
const STORES = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');
const LARGE_LOG_EVENTS = Number(process.env.BENCH_LARGE_LOG_EVENTS ?? 1_000_000);
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 600);
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP_SECONDS ?? 5);
const SHORT_SESSIONS = 200;
const MANY_CDRS = Number(process.env.BENCH_SESSION_CDRS ?? 10_000);

interface Histogram {
  p50: number;
  p99: number;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: Histogram & { average: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
interface AutocannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}
// autocannon ships no types; this is the part of its API the bench uses.
const autocannon = require('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
  amount?: number;
  requests: AutocannonRequest[];
}) => Promise<AutocannonResult>;

const AUTH = { authorization: encodeCredentialsToken(BENCH_TOKEN), 'content-type': 'application/json' };

interface Load {
  rate: number;
  p50: number;
  p99: number;
  failed: number;
  /** Answered with 2xx. */
  requests: number;
  /** Open loop only: the load generator's own longest event-loop stall, which its latencies include. */
  generatorStallMs?: number;
}

/**
 * CPU time in ms (since boot, or per request): the whole machine, from /proc in USER_HZ ticks (100 a second on Linux): the whole machine
 * (every process: the hub, the database, the load generator, the kernel's loopback), the server
 * process (the hub or the bare route, and PGlite inside it), PostgreSQL's processes, and this one
 * (autocannon). Undefined elsewhere. On two cores shared by all of them, the machine's figure is
 * what a request costs; the split says who spends it.
 */
interface CpuSplit {
  machine: number;
  server: number;
  database: number;
  load: number;
}

/** utime + stime of one process, in ms (fields 14 and 15 of /proc/<pid>/stat, after the command). */
function processBusyMs(pid: number | string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** PostgreSQL's server processes (a backend that ended since the last look takes its time with it). */
function postgresBusyMs(): number {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres')) total += processBusyMs(pid);
    } catch {}
  }
  return total;
}

function busyMs(serverPid?: number): CpuSplit | undefined {
  try {
    const [user, nice, system, , , irq = 0, softirq = 0, steal = 0] = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return {
      machine: (user + nice + system + irq + softirq + steal) * 10,
      server: serverPid === undefined ? 0 : processBusyMs(serverPid),
      database: postgresBusyMs(),
      load: processBusyMs(process.pid),
    };
  } catch {
    return undefined;
  }
}

/** `work`'s load, with its CPU per request answered, where /proc says. */
async function measured(work: () => Promise<Load>, serverPid?: number): Promise<{ load: Load; cpu?: CpuSplit }> {
  const before = busyMs(serverPid);
  const result = await work();
  const after = busyMs(serverPid);
  if (before === undefined || after === undefined || !result.requests) return { load: result };
  const per = (key: keyof CpuSplit) => (after[key] - before[key]) / result.requests;
  return { load: result, cpu: { machine: per('machine'), server: per('server'), database: per('database'), load: per('load') } };
}

async function load(
  url: string,
  method: string,
  next: () => { path: string; body: string },
  options: { connections?: number; seconds?: number; overallRate?: number; amount?: number } = {},
): Promise<Load> {
  const result = await autocannon({
    url,
    connections: options.connections ?? CONNECTIONS,
    duration: options.seconds ?? SECONDS,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    ...(options.amount ? { amount: options.amount } : {}),
    requests: [
      {
        method,
        path: '/',
        headers: AUTH,
        setupRequest: (request) => ({ ...request, ...next() }),
      },
    ],
  });
  return {
    rate: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
    requests: result['2xx'],
  };
}

/** `rate` requests a second for `seconds` over keep-alive connections opened as needed (see openLoop). */
async function paced(
  url: string,
  method: string,
  next: () => { path: string; body: string },
  rate: number,
  seconds: number,
): Promise<Load> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(url);
  const send = () =>
    new Promise<void>((resolve, reject) => {
      const { path: requestPath, body } = next();
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method,
          path: requestPath,
          headers: { ...AUTH, 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          response.resume();
          response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`))));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const { latencies, failed, seconds: elapsed, ownStallMs } = await openLoop(rate, seconds, send);
  agent.destroy();
  return {
    rate: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failed,
    requests: latencies.length,
    generatorStallMs: ownStallMs,
  };
}

let counter = 0;
const patchBody = () => JSON.stringify({ kwh: ++counter, last_updated: new Date().toISOString() });
const sessionPath = (id: string) => `/ocpi/emsp/2.2.1/sessions/NL/STK/${id}`;

function cdrBody(id: string, sessionId: string): string {
  return JSON.stringify({
    country_code: 'NL',
    party_id: 'STK',
    id,
    start_date_time: '2026-03-01T10:00:00Z',
    end_date_time: '2026-03-01T12:00:00Z',
    session_id: sessionId,
    cdr_token: { country_code: 'NL', party_id: 'RLG', uid: '123abc', type: 'RFID', contract_id: 'NL-RLG-C12345678-S' },
    auth_method: 'WHITELIST',
    cdr_location: {
      id: 'LOC1',
      address: 'F.Rooseveltlaan 3A',
      city: 'Gent',
      country: 'BEL',
      coordinates: { latitude: '51.047599', longitude: '3.729944' },
      evse_uid: '3256',
      evse_id: 'BE*BEC*E041503003',
      connector_id: '1',
      connector_standard: 'IEC_62196_T2',
      connector_format: 'SOCKET',
      connector_power_type: 'AC_1_PHASE',
    },
    currency: 'EUR',
    charging_periods: [{ start_date_time: '2026-03-01T10:00:00Z', dimensions: [{ type: 'ENERGY', volume: 10 }] }],
    total_cost: { excl_vat: 3, incl_vat: 3.63 },
    total_energy: 10,
    total_time: 2,
    last_updated: new Date().toISOString(),
  });
}

class Server {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  hub = '';
  bare = '';

  get pid(): number | undefined {
    return this.child.pid;
  }

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id?: number; result?: unknown; error?: string }) => {
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter || message.id === undefined) return;
      this.pending.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
  }

  static start(env: Record<string, string>): Promise<Server> {
    const child = fork(path.join(__dirname, 'ocpi-server.js'), [], {
      env: { ...process.env, ...env },
      execArgv: ['-r', path.join(__dirname, '..', '..', 'tsconfig-paths-dist.js')],
    });
    const server = new Server(child);
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
      child.on('message', (message: { ready?: { hubPort: number; barePort: number } }) => {
        if (!message.ready) return;
        server.hub = `http://127.0.0.1:${message.ready.hubPort}`;
        server.bare = `http://127.0.0.1:${message.ready.barePort}`;
        resolve(server);
      });
    });
  }

  ask<T>(request: ServerAsk): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...request, id });
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.disconnect();
    });
  }
}

interface Row {
  store: string;
  name: string;
  hub: Load;
  bare?: Load;
  inside?: string;
}

/**
 * Where the hub's time went between two readings: how busy its request thread was, the whole
 * process's CPU, and the log's group commits (one in flight at a time). A commit's time in flight
 * includes the wait for the request thread to take its answer: read it beside that thread's load.
 */
function describeInside(before: Inside, after: Inside): string {
  const elapsed = after.at - before.at;
  const active = after.requestThread.active - before.requestThread.active;
  const idle = after.requestThread.idle - before.requestThread.idle;
  const groups = after.groupCommits.groups - before.groupCommits.groups;
  const appends = after.groupCommits.appends - before.groupCommits.appends;
  const inFlight = after.groupCommits.inFlightMs - before.groupCommits.inFlightMs;
  const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)}%`;
  const commits = groups
    ? `group commits: ${(appends / groups).toFixed(1)} appends each, ${(inFlight / groups).toFixed(1)} ms in flight, ${pct(inFlight, elapsed)} of the time`
    : 'no group commits';
  return `request thread busy ${pct(active, active + idle)}, process CPU ${pct((after.cpuMicros - before.cpuMicros) / 1000, elapsed)} of a core; ${commits}`;
}

const rows: Row[] = [];

function print(row: Row): void {
  const figure = (l: Load) =>
    `${l.rate.toFixed(0).padStart(6)} req/s  p50 ${l.p50.toFixed(1).padStart(6)} ms  p99 ${l.p99.toFixed(1).padStart(6)} ms${l.failed ? `  (${l.failed} failed)` : ''}${l.generatorStallMs !== undefined ? `  (load generator's own longest stall ${l.generatorStallMs.toFixed(0)} ms)` : ''}`;
  const ratio = row.bare ? `  hub/bare ${(row.hub.rate / row.bare.rate).toFixed(2)}` : '';
  console.log(`  ${row.name.padEnd(44)} hub ${figure(row.hub)}${row.bare ? `   bare ${figure(row.bare)}` : ''}${ratio}`);
  if (row.inside) console.log(`      (hub: ${row.inside})`);
}

async function pair(
  server: Server,
  store: string,
  name: string,
  method: string,
  next: () => { path: string; body: string },
): Promise<Row> {
  // OCPI refusals travel as HTTP 200 with status_code 2xxx: one request checked first, so a row never counts refusals.
  const probe = next();
  const answer = await fetch(`${server.hub}${probe.path}`, { method, headers: AUTH, body: probe.body });
  const json = (await answer.json()) as { status_code?: number; status_message?: string };
  if (json.status_code !== 1000) throw new Error(`${name}: ${answer.status} ${json.status_code} ${json.status_message}`);
  // The bare route takes the very bodies the hub gets (a CDR for a CDR row) and stores each as its row.
  const bare = await measured(
    () => load(server.bare, method, () => ({ path: `/bare/${counter % SHORT_SESSIONS}`, body: next().body })),
    server.pid,
  );
  const profile = process.env.BENCH_CPU_PROFILE;
  if (profile) await server.ask({ type: 'profile-start' });
  const before = await server.ask<Inside>({ type: 'inside' });
  const hub = await measured(() => load(server.hub, method, next), server.pid);
  const split = (cpu: CpuSplit) => [cpu.server, cpu.database, cpu.load].map((ms) => ms.toFixed(2)).join(' / ');
  const machine =
    hub.cpu && bare.cpu
      ? `; machine CPU per request (every process) hub ${hub.cpu.machine.toFixed(2)} ms, bare ${bare.cpu.machine.toFixed(2)} ms` +
        `; of it server process / PostgreSQL's processes / load generator: hub ${split(hub.cpu)} ms, bare ${split(bare.cpu)} ms`
      : '';
  const inside = `${describeInside(before, await server.ask<Inside>({ type: 'inside' }))}${machine}`;
  if (profile) {
    const file = `${store}-${name}`.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 120);
    await server.ask({ type: 'profile-stop', file: path.join(profile, `${file}.cpuprofile`) });
  }
  const row = { store, name, hub: hub.load, bare: bare.load, inside };
  rows.push(row);
  print(row);
  return row;
}

const ratioOf = (row: Row) => row.hub.rate / (row.bare?.rate ?? Number.NaN);

async function getLatency(url: string, count: number): Promise<Histogram> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers: AUTH });
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
    await response.arrayBuffer();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function seedShortSessions(server: Server): Promise<void> {
  // Through the hub: a PUT and four PATCHes each, ~10 events per session.
  for (let i = 0; i < SHORT_SESSIONS; i++) {
    const id = `B${i}`;
    const put = await fetch(`${server.hub}${sessionPath(id)}`, {
      method: 'PUT',
      headers: AUTH,
      body: JSON.stringify(benchSession(id, new Date().toISOString())),
    });
    if (put.status >= 300) throw new Error(`PUT ${id}: ${put.status} ${await put.text()}`);
    for (let p = 0; p < 4; p++) {
      await fetch(`${server.hub}${sessionPath(id)}`, { method: 'PATCH', headers: AUTH, body: patchBody() });
    }
  }
}

async function runStore(store: string, env: Record<string, string>): Promise<void> {
  const server = await Server.start(env);
  try {
    console.log(`${store}:`);
    await seedShortSessions(server);
    await server.ask({ type: 'long-session', sessionId: 'L1K', events: 1_000 });
    await server.ask({ type: 'long-session', sessionId: 'L5K', events: 5_000 });
    await server.ask({ type: 'settle' });
    // Warm-up, both sides: JIT, connections, and the first (cold) read of the long sessions. With
    // one second each, the first row's hub cost 1.7 times the machine CPU per PATCH of the same
    // case run last: it measured the JIT. WARM_UP_SECONDS each, then the read side catches up.
    await load(server.bare, 'PATCH', () => ({ path: '/bare/w', body: patchBody() }), { seconds: WARM_UP_SECONDS });
    await load(server.hub, 'PATCH', () => ({ path: sessionPath(`B${counter % SHORT_SESSIONS}`), body: patchBody() }), {
      seconds: WARM_UP_SECONDS,
    });
    for (const id of ['L1K', 'L5K']) {
      await fetch(`${server.hub}${sessionPath(id)}`, { method: 'PATCH', headers: AUTH, body: patchBody() });
    }
    await server.ask({ type: 'settle' });

    const short = () => ({ path: sessionPath(`B${counter % SHORT_SESSIONS}`), body: patchBody() });
    const first = await pair(server, store, `PATCH, ${SHORT_SESSIONS} sessions ~10 events each`, 'PATCH', short);
    await pair(server, store, 'PATCH, one session with 1,000 events', 'PATCH', () => ({
      path: sessionPath('L1K'),
      body: patchBody(),
    }));
    await pair(server, store, 'PATCH, one session with 5,000 events', 'PATCH', () => ({
      path: sessionPath('L5K'),
      body: patchBody(),
    }));
    const newCdr = (sessionId: string) => ({
      path: '/ocpi/emsp/2.2.1/cdrs',
      body: cdrBody(`CDR-${randomUUID().slice(0, 30)}`, sessionId),
    });
    const cdrs = await pair(server, store, 'POST CDR (new CDR each)', 'POST', () => newCdr(`B${++counter % SHORT_SESSIONS}`));
    // A CDR's cost must not grow with the CDRs its session already has (a billing projection that
    // rewrote the session's CDR list did): one session given MANY_CDRS, then the next ones.
    const opened = await fetch(`${server.hub}${sessionPath('MANY')}`, {
      method: 'PUT',
      headers: AUTH,
      body: JSON.stringify(benchSession('MANY', new Date().toISOString())),
    });
    if (opened.status >= 300) throw new Error(`PUT MANY: ${opened.status} ${await opened.text()}`);
    const cdrsFrom = performance.now();
    const cdrsSeeded = await load(server.hub, 'POST', () => newCdr('MANY'), { amount: MANY_CDRS, seconds: 600 });
    const cdrsSettled = await server.ask<number>({ type: 'settle' });
    const many = await pair(server, store, `POST CDR, one session with ${MANY_CDRS.toLocaleString('en')} CDRs`, 'POST', () =>
      newCdr('MANY'),
    );
    console.log(
      `  (${MANY_CDRS.toLocaleString('en')} CDRs posted to one session first in ${((performance.now() - cdrsFrom) / 1000).toFixed(1)} s${cdrsSeeded.failed ? `, ${cdrsSeeded.failed} failed` : ''}; hub idle again after ${(cdrsSettled / 1000).toFixed(1)} s; flat: hub/bare with ${MANY_CDRS.toLocaleString('en')} CDRs / with ${SHORT_SESSIONS} sessions = ${(ratioOf(many) / ratioOf(cdrs)).toFixed(2)})`,
    );
    // The CDR rows leave the read side (pricing above all) seconds behind: a latency figure taken
    // while it catches up would be the backlog's, not the PATCH's.
    const caughtUp = await server.ask<number>({ type: 'settle' });
    console.log(`  (hub idle again after ${(caughtUp / 1000).toFixed(1)} s)`);
    const pacedRow = { store, name: 'PATCH at 200 req/s, one every 5 ms', hub: await paced(server.hub, 'PATCH', short, 200, 10) };
    rows.push(pacedRow);
    print(pacedRow);
    const rated = await load(server.hub, 'PATCH', short, { overallRate: 200 });
    const ratedRow = { store, name: 'PATCH at 200 req/s, a burst each second', hub: rated };
    rows.push(ratedRow);
    print(ratedRow);

    const get = await getLatency(`${server.hub}${sessionPath('L5K')}`, 300);
    console.log(
      `  GET of the session with ${'5,000+'} events (1 client, 300 GETs): p50 ${get.p50.toFixed(2)} ms, p99 ${get.p99.toFixed(2)} ms`,
    );

    const head = await server.ask<number>({ type: 'head' });
    const filler = Math.max(0, LOG_EVENTS - (head + 1));
    const seeded = performance.now();
    await server.ask({ type: 'filler', events: filler });
    const settled = await server.ask<number>({ type: 'settle' });
    console.log(
      `  (${filler} events added to the log in ${((performance.now() - seeded) / 1000).toFixed(1)} s; hub idle again after ${(settled / 1000).toFixed(1)} s)`,
    );
    await pair(
      server,
      store,
      `PATCH, ${SHORT_SESSIONS} sessions, ${LOG_EVENTS.toLocaleString('en')} events in the log`,
      'PATCH',
      short,
    );

    if (LARGE_LOG_EVENTS > 0) {
      const at = await server.ask<number>({ type: 'head' });
      const bulk = Math.max(0, LARGE_LOG_EVENTS - (at + 1));
      const started = performance.now();
      await server.ask({ type: 'bulk-filler', events: bulk });
      const written = performance.now();
      const caughtUp = await server.ask<number>({ type: 'settle', maxMs: SETTLE_SECONDS * 1000 });
      console.log(
        `  (${bulk} events written into the log in ${((written - started) / 1000).toFixed(1)} s; hub idle again after ${(caughtUp / 1000).toFixed(1)} s)`,
      );
      const large = await pair(
        server,
        store,
        `PATCH, ${SHORT_SESSIONS} sessions, ${LARGE_LOG_EVENTS.toLocaleString('en')} events in the log`,
        'PATCH',
        short,
      );
      // The aim: flat, within 20% of the ~10-event row (hub/bare, as the two ran beside different bare figures).
      console.log(
        `  flat: hub/bare at ${LARGE_LOG_EVENTS.toLocaleString('en')} events in the log / at ~10 events in the session = ${(ratioOf(large) / ratioOf(first)).toFixed(2)}`,
      );
    }
  } finally {
    await server.stop();
  }
}

/**
 * Appends per second of the store alone, to different streams: a PATCH's two events with 1, 4 and
 * 16 writers, then a CDR's three (its request with the CDR as body, CdrReceived holding the CDR,
 * CdrLinkedToSession) with 16, and the machine's CPU per append: the floor under each hub row.
 */
async function writers(name: string, store: SqlEventStore): Promise<void> {
  const patchEvents = (i: number) => [
    { type: 'OcpiRequestReceived', data: { body: 'x'.repeat(300) } },
    { type: 'SessionUpdated', data: { kwh: i } },
  ];
  const cdrEvents = () => {
    const body = cdrBody(`CDR-${randomUUID().slice(0, 30)}`, 'B1');
    const cdr = JSON.parse(body) as { id: string };
    const ref = { country_code: 'NL', party_id: 'STK', cdr_id: cdr.id };
    return [
      {
        type: 'OcpiRequestReceived',
        data: { method: 'POST', url: '/ocpi/emsp/2.2.1/cdrs', headers: { 'content-type': 'application/json' }, body },
      },
      { type: 'CdrReceived', data: { ...ref, cdr, findings: [] } },
      { type: 'CdrLinkedToSession', data: { ...ref, session_id: 'B1', session_stream: 'session-NL-STK-B1' } },
    ];
  };
  const run = async (count: number, events: (i: number) => Array<{ type: string; data: unknown }>, newStreams: boolean) => {
    let appends = 0;
    const busy = busyMs()?.machine;
    const started = performance.now();
    const until = started + 2_000;
    await Promise.all(
      Array.from({ length: count }, async (_, writer) => {
        for (let i = 0; performance.now() < until; i++) {
          // A PATCH goes to a stream that exists (50 per writer); a CDR opens its own.
          if (newStreams) await store.append(`writers-cdr-${randomUUID()}`, events(i), { expectedRevision: 'no_stream' });
          else await store.append(`writers-${count}-${writer}-${i % 50}`, events(i));
          appends++;
        }
      }),
    );
    const after = busyMs()?.machine;
    const machine =
      busy !== undefined && after !== undefined ? `, machine CPU ${((after - busy) / appends).toFixed(2)} ms each` : '';
    return `${count} writer${count > 1 ? 's' : ''}: ${((appends * 1000) / (performance.now() - started)).toFixed(0)}/s${machine}`;
  };
  const patches: string[] = [];
  for (const count of [1, 4, 16]) patches.push(await run(count, patchEvents, false));
  console.log(`  appends (a PATCH's 2 events), ${name}: ${patches.join('; ')}`);
  console.log(`  appends (a CDR's 3 events), ${name}: ${await run(16, cdrEvents, true)}`);
}

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  console.log(
    `bench:ocpi  node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${new Date().toISOString()}`,
  );
  console.log(
    `autocannon, ${CONNECTIONS} connections, ${SECONDS} s per figure; bare = Fastify route inserting one row into the same database`,
  );
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'roamledger-bench-ocpi-'));
  try {
    if (STORES.includes('pglite')) {
      await runStore('PGlite', { EVENT_STORE: 'pglite', DATA_DIR: path.join(dataDir, 'pglite') });
      const store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
      await writers('PGlite (in memory)', store);
      await store.close();
    }
    if (STORES.includes('postgres')) {
      const schema = `rl_bench_ocpi_${Date.now()}`;
      await onServer(`CREATE SCHEMA ${schema}`);
      const url = new URL(DATABASE_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      try {
        await runStore(`PostgreSQL (${url.host}${url.pathname})`, {
          EVENT_STORE: 'postgres',
          DATABASE_URL: url.toString(),
          DATA_DIR: path.join(dataDir, 'postgres'),
        });
        const store = await SqlEventStore.open('postgres', await openPostgresClient({ connectionString: url.toString() }));
        await writers('PostgreSQL', store);
        await store.close();
      } finally {
        await onServer(`DROP SCHEMA ${schema} CASCADE`);
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// Exits when done: keep-alive sockets of the load generator and fetch must not hold the run open.
main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

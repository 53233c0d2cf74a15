/**
 * The eMSP's own voice, on PostgreSQL (a fresh database, dropped at the end), the whole hub in one
 * process, beside a bare route on the same database in the same run. Prints figures; asserts nothing.
 *   npm run bench:tokens
 *   BENCH_TOKENS=10000 (tokens imported)  BENCH_PARTNERS=10 (CPOs with a Tokens receiver)
 *   BENCH_AUTH_RATE=200 (authorizations/s, open loop)  BENCH_AUTH_SECONDS=10  BENCH_DATABASE_URL
 *   BENCH_PUSH=0 skips the last part (replacements pushed to every partner)
 *
 * - import: the admin import route in batches of 1000 rows, as `npm run cli -- token import` sends them;
 * - push fan-out: from the first imported token until every partner has received every token;
 * - real-time authorization: a CPO asks at a fixed rate (open loop, so a slow answer does not slow
 *   the asking), then as fast as 16 concurrent askers can; latency p50/p99 of each; beside it the
 *   bare route: no authentication, no validation, one append of one event to a new stream.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EVENT_STORE, type EventStore } from '@roamledger/event-store';
import { hubModule } from '@roamledger/modules';
import { createService, loadConfig } from '@roamledger/service';
import { Client } from 'pg';
import { ocpiCall, PartnerServer } from '../test/support/partner-server';
import { openLoop, percentile } from './open-loop';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 10_000);
const PARTNERS = Number(process.env.BENCH_PARTNERS ?? 10);
const AUTH_RATE = Number(process.env.BENCH_AUTH_RATE ?? 200);
const AUTH_SECONDS = Number(process.env.BENCH_AUTH_SECONDS ?? 10);
const PUSH = process.env.BENCH_PUSH !== '0';
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ADMIN_KEY = 'bench-admin-key-0123456789';

const ms = (value: number) => `${value.toFixed(1)} ms`;

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** As fast as `concurrency` callers can, for `seconds`: rate and latencies. */
async function closedLoop(concurrency: number, seconds: number, call: () => Promise<unknown>) {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const sent = performance.now();
        await call();
        latencies.push(performance.now() - sent);
      }
    }),
  );
  return { rate: latencies.length / ((performance.now() - started) / 1000), latencies: latencies.sort((a, b) => a - b) };
}

async function main(): Promise<void> {
  const database = `rl_bench_tokens_${randomUUID().slice(0, 8)}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${database}`));
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-bench-tokens-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'error',
    EVENT_STORE: 'postgres',
    DATABASE_URL: url.toString(),
    ADMIN_API_KEY: ADMIN_KEY,
    PULL_INTERVAL_SECONDS: '0',
    PARTNER_RATE_LIMIT: '0',
  });
  const app = await createService(hubModule, config);
  const store = app.get<EventStore>(EVENT_STORE);
  // The floor: an HTTP route that appends one event to a new stream, nothing else.
  app
    .getHttpAdapter()
    .getInstance()
    .post('/bench/bare', async () => {
      await store.append(`bench-${randomUUID()}`, [{ type: 'BenchBare', data: { at: Date.now() } }], {
        expectedRevision: 'no_stream',
      });
      return { ok: true };
    });
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  config.publicUrl = base;
  const servers: PartnerServer[] = [];
  try {
    const admin = async (method: string, route: string, body?: unknown) => {
      const response = await fetch(`${base}${route}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    // Import, with no partner to push to yet.
    const token = (n: number, visual = 'A') => ({
      country_code: 'NL',
      party_id: 'RLG',
      uid: `BENCH${String(n).padStart(8, '0')}`,
      type: 'RFID',
      contract_id: `NL-RLG-C${String(n).padStart(8, '0')}`,
      visual_number: `${visual}${n}`,
      issuer: 'Roamledger',
      valid: n % 10 !== 0,
      whitelist: 'ALLOWED',
    });
    const importAll = async (visual: string) => {
      const started = performance.now();
      for (let start = 0; start < TOKENS; start += 1000) {
        const rows = Array.from({ length: Math.min(1000, TOKENS - start) }, (_, i) => ({
          line: start + i + 1,
          token: token(start + i, visual),
        }));
        const report = await admin('POST', '/admin/tokens/import', { source: 'bench.ndjson', rows });
        if (report.status !== 200) throw new Error(`import failed: ${JSON.stringify(report.body)}`);
      }
      return { started, seconds: (performance.now() - started) / 1000 };
    };
    const first = await importAll('A');
    console.log(
      `import: ${TOKENS} new tokens in ${first.seconds.toFixed(1)} s = ${(TOKENS / first.seconds).toFixed(0)} tokens/s (admin import route, batches of 1000, no receivers)`,
    );

    // Partners with a Tokens receiver that count what they receive.
    const received = new Array<number>(PARTNERS).fill(0);
    let lastPush = 0;
    const tokenC: string[] = [];
    for (let i = 0; i < PARTNERS; i++) {
      const partyId = `C${String(i).padStart(2, '0')}`;
      const server = await new PartnerServer({
        countryCode: 'DE',
        partyId,
        modules: [
          { identifier: 'cdrs', role: 'SENDER' },
          { identifier: 'tokens', role: 'RECEIVER' },
        ],
        routes: (request) => {
          if (!request.path.startsWith('/ocpi/cpo/2.2.1/tokens/')) return undefined;
          received[i]++;
          lastPush = performance.now();
          return { data: undefined };
        },
      }).start();
      // Keep memory flat: the server records every request otherwise.
      server.received.push = () => 0;
      servers.push(server);
      const invitation = await admin('POST', '/admin/partners', {
        name: partyId,
        country_code: 'DE',
        party_id: partyId,
        roles: ['CPO'],
      });
      const registration = await ocpiCall<{ token: string }>(
        'POST',
        `${base}/ocpi/2.2.1/credentials`,
        invitation.body.token_a as string,
        server.credentials(),
      );
      tokenC.push(registration.body.data?.token ?? '');
    }

    // Real-time authorization, once the projections have caught up with the import (they share the cores).
    await new Promise((resolve) => setTimeout(resolve, 5000));
    let n = 0;
    const authorize = async () => {
      const uid = `BENCH${String(n++ % TOKENS).padStart(8, '0')}`;
      const reply = await ocpiCall('POST', `${base}/ocpi/emsp/2.2.1/tokens/${uid}/authorize?type=RFID`, tokenC[n % PARTNERS], {
        location_id: 'LOC1',
      });
      if (reply.body.status_code !== 1000) throw new Error(`authorize: ${JSON.stringify(reply.body)}`);
    };
    const bare = async () => {
      const response = await fetch(`${base}/bench/bare`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      await response.json();
    };
    await closedLoop(4, 2, authorize); // warm up
    for (const [name, call] of [
      ['authorize', authorize],
      ['bare route', bare],
    ] as const) {
      const open = await openLoop(AUTH_RATE, AUTH_SECONDS, call);
      const closed = await closedLoop(16, AUTH_SECONDS, call);
      console.log(
        `${name.padEnd(10)} at ${AUTH_RATE}/s: p50 ${ms(percentile(open.latencies, 50))} p99 ${ms(percentile(open.latencies, 99))}   ` +
          `(${open.failed} failed)   max (16 concurrent): ${closed.rate.toFixed(0)}/s p50 ${ms(percentile(closed.latencies, 50))} p99 ${ms(percentile(closed.latencies, 99))}`,
      );
    }
    if (!PUSH) return;
    // Every token replaced (a new visual_number): each partner gets a PUT of each.
    const second = await importAll('B');
    const importStarted = second.started;
    console.log(
      `import: ${TOKENS} replacements in ${second.seconds.toFixed(1)} s = ${(TOKENS / second.seconds).toFixed(0)} tokens/s (while pushing to ${PARTNERS} partners)`,
    );
    const deadline = performance.now() + 600_000;
    while (received.some((count) => count < TOKENS) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const pushSeconds = (lastPush - importStarted) / 1000;
    const pushes = received.reduce((a, b) => a + b, 0);
    console.log(
      `push fan-out to ${PARTNERS} partners: ${pushes} PUTs, all received ${pushSeconds.toFixed(1)} s after the import began = ${(pushes / pushSeconds).toFixed(0)} pushes/s, ${(TOKENS / pushSeconds).toFixed(0)} tokens/s to every partner`,
    );
  } finally {
    for (const server of servers) await server.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
    const left = await withAdmin((client) =>
      client.query(`SELECT query, state FROM pg_stat_activity WHERE datname = $1`, [database]),
    );
    if (process.env.BENCH_DEBUG) console.log(left.rows);
    await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  }
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

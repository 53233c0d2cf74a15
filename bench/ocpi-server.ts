/**
 * The server side of bench:ocpi, in its own process so the load generator does not share its
 * event loop: the whole hub (as apps/hub runs it) and, beside it, a bare Fastify route that inserts
 * one row into the same database. Seeds what the bench asks for over IPC.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  credentialsTokenHash,
  credentialsTokenStream,
  issuedTokenDecider,
  partnerDecider,
  partnerStream,
  TokenVault,
} from '@roamledger/credentials';
import {
  EVENT_STORE,
  type EventStore,
  eventHash,
  GENESIS_HASH,
  type GroupCommitStats,
  handleCommand,
  type NewEvent,
  type SqlEventStore,
} from '@roamledger/event-store';
import { hubModule } from '@roamledger/modules';
import { type Session } from '@roamledger/ocpi';
import { createService, loadConfig } from '@roamledger/service';
import { type SessionState, sessionDecider, sessionStream } from '@roamledger/sessions';
import Fastify from 'fastify';
import { CpuProfile } from './cpu-profile';

export const BENCH_TOKEN = 'bench-token-c-0123456789abcdef0123456789abcdef';
export const PARTNER_ID = '00000000-0000-4000-8000-0000000bench';
export const CPO = { countryCode: 'NL', partyId: 'STK' };

export type ServerAsk =
  | { type: 'long-session'; sessionId: string; events: number }
  | { type: 'filler'; events: number }
  | { type: 'bulk-filler'; events: number }
  | { type: 'settle'; maxMs?: number }
  | { type: 'head' }
  | { type: 'inside' }
  | { type: 'profile-start' }
  | { type: 'profile-stop'; file: string };
export type ServerRequest = ServerAsk & { id: number };

const BARE_SCHEMA = `
CREATE TABLE IF NOT EXISTS bench_bare (
  position bigserial PRIMARY KEY, id uuid NOT NULL UNIQUE, stream text NOT NULL, type text NOT NULL,
  data jsonb NOT NULL, metadata jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`;

const at = () => new Date().toISOString();

/** A registered CPO partner holding NL*STK, written as the credentials module would record it. */
async function seedPartner(store: EventStore, vault: TokenVault): Promise<void> {
  const existing = await store.readStream(partnerStream(PARTNER_ID), { maxCount: 1 });
  if (existing.length) return;
  const tokenA = `bench-token-a-${randomUUID()}`;
  await handleCommand(store, credentialsTokenStream(credentialsTokenHash(tokenA)), issuedTokenDecider, {
    type: 'IssueToken',
    partnerId: PARTNER_ID,
    kind: 'A',
    at: at(),
  });
  await handleCommand(store, partnerStream(PARTNER_ID), partnerDecider, {
    type: 'InvitePartner',
    partnerId: PARTNER_ID,
    name: 'Bench CPO',
    countryCode: CPO.countryCode,
    partyId: CPO.partyId,
    roles: ['CPO'],
    tokenAHash: credentialsTokenHash(tokenA),
    at: at(),
  });
  await handleCommand(store, credentialsTokenStream(credentialsTokenHash(BENCH_TOKEN)), issuedTokenDecider, {
    type: 'IssueToken',
    partnerId: PARTNER_ID,
    kind: 'C',
    at: at(),
  });
  await handleCommand(store, partnerStream(PARTNER_ID), partnerDecider, {
    type: 'RegisterPartner',
    roles: [{ role: 'CPO', country_code: CPO.countryCode, party_id: CPO.partyId, business_details: { name: 'Bench CPO' } }],
    versionsUrl: 'http://127.0.0.1:9/ocpi/versions',
    version: '2.2.1',
    endpoints: [],
    theirToken: vault.seal('bench-token-b'),
    tokenCHash: credentialsTokenHash(BENCH_TOKEN),
    at: at(),
  });
}

export function benchSession(id: string, lastUpdated: string): Session {
  return {
    country_code: CPO.countryCode,
    party_id: CPO.partyId,
    id,
    start_date_time: '2026-03-09T10:00:00Z',
    kwh: 0,
    cdr_token: { country_code: 'NL', party_id: 'RLG', uid: '123abc', type: 'RFID', contract_id: 'NL-RLG-C12345678-S' },
    auth_method: 'WHITELIST',
    location_id: 'LOC1',
    evse_uid: '3256',
    connector_id: '1',
    currency: 'EUR',
    status: 'ACTIVE',
    last_updated: lastUpdated,
  } as Session;
}

/**
 * A session with `events` events, written in large appends without the hub (its cache stays cold):
 * each PATCH as the hub records it, its request and its decided events.
 */
async function seedLongSession(store: EventStore, sessionId: string, events: number): Promise<void> {
  const stream = sessionStream(CPO, sessionId);
  const base = Date.parse('2026-03-09T10:00:00Z');
  let state: SessionState = sessionDecider.initialState();
  let batch: NewEvent[] = [];
  let revision = -1;
  const flush = async () => {
    if (!batch.length) return;
    const result = await store.append(stream, batch, { expectedRevision: revision < 0 ? 'no_stream' : revision });
    revision = result.nextExpectedRevision;
    batch = [];
  };
  for (let n = 0; revision + 1 + batch.length < events; n++) {
    const command =
      n === 0
        ? { type: 'PutSession' as const, session: benchSession(sessionId, new Date(base).toISOString()) }
        : {
            type: 'PatchSession' as const,
            ref: { country_code: CPO.countryCode, party_id: CPO.partyId, session_id: sessionId },
            patch: { kwh: n, last_updated: new Date(base + n * 1000).toISOString() },
          };
    const decided = sessionDecider.decide(command, state);
    state = decided.reduce((folded, event) => sessionDecider.evolve(folded, event), state);
    const body = JSON.stringify(n === 0 ? command.session : (command as { patch: unknown }).patch);
    batch.push({
      type: 'OcpiRequestReceived',
      data: { method: n === 0 ? 'PUT' : 'PATCH', url: `/ocpi/emsp/2.2.1/sessions/NL/STK/${sessionId}`, headers: {}, body },
    });
    for (const event of decided) batch.push({ type: event.type, data: event.data });
    if (batch.length >= 500) await flush();
  }
  await flush();
}

/** Events in streams no module reads, so the log holds `events` more. */
async function seedFiller(store: EventStore, events: number): Promise<void> {
  const perStream = 500;
  for (let written = 0; written < events; written += perStream) {
    const count = Math.min(perStream, events - written);
    const data = { note: 'bench filler', payload: 'x'.repeat(200) };
    await store.append(
      `bench-filler-${randomUUID()}`,
      Array.from({ length: count }, () => ({ type: 'BenchFiller', data })),
    );
  }
}

const BULK_CHUNK = 50_000;
const BULK_DATA = '{"note":"bench filler"}';

/**
 * `events` one-event streams no module reads, written straight into the log's table in large
 * transactions (a million in minutes, where appends would take an hour): each with the hash the
 * store would give it (its canonical JSON built in SQL, checked below against eventHash), under
 * the log-head lock, at the next positions, so subscribers and the sealer see ordinary events.
 */
async function seedBulkFiller(store: SqlEventStore, events: number): Promise<void> {
  const prefix = `bench-bulk-${randomUUID().slice(0, 8)}-`;
  const recordedAt = at();
  for (let written = 0; written < events; written += BULK_CHUNK) {
    const count = Math.min(BULK_CHUNK, events - written);
    await store.sql.transaction(async (tx) => {
      const [head] = await tx.query<{ position: number | string }>('SELECT position FROM rl_log_head WHERE id FOR UPDATE');
      await tx.query(
        // MATERIALIZED: each id drawn once, the same in its column and in its hash.
        `WITH f AS MATERIALIZED (
           SELECT g, gen_random_uuid() AS id, $6::text || (${written} + g)::text AS stream FROM generate_series(1, $2::int) AS g)
         INSERT INTO rl_events (position, id, stream, revision, type, data, metadata, recorded_at, prev_hash, hash)
         SELECT $1::bigint + f.g, f.id, f.stream, 0, 'BenchFiller', $8::jsonb, '{}'::jsonb, $7::timestamptz, $5::text,
                encode(sha256(convert_to($5::text || '{"data":' || $4::text || ',"id":"' || f.id::text
                  || '","metadata":{},"recordedAt":"' || $3::text || '","revision":0,"stream":"' || f.stream
                  || '","type":"BenchFiller"}', 'UTF8')), 'hex')
           FROM f`,
        // The same values twice: as text for the hash, typed for their columns (a parameter has one type).
        [Number(head.position), count, recordedAt, BULK_DATA, GENESIS_HASH, prefix, recordedAt, BULK_DATA],
      );
      await tx.query('UPDATE rl_log_head SET position = position + $1 WHERE id', [count]);
    });
  }
  const [first] = await store.readStream(`${prefix}1`);
  if (!first || eventHash(GENESIS_HASH, first) !== first.hash) throw new Error('bulk filler: hash differs from eventHash');
  // Rows written under the port wake no subscriber (on PGlite they wait for an append): one
  // ordinary append after them does, so the settle below covers their catch-up.
  await store.append(`${prefix}end`, [{ type: 'BenchFiller', data: { note: 'bench filler' } }]);
}

/** A V8 CPU profile of this process between two asks: the hub's side of one row, without seeding or the bare route. */
let profile: CpuProfile | undefined;

/** What the hub process is doing, as counters: the bench takes two and reads the difference. */
export interface Inside {
  at: number;
  requestThread: { idle: number; active: number };
  cpuMicros: number;
  groupCommits: GroupCommitStats;
}

function inside(store: SqlEventStore): Inside {
  const { idle, active } = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  return {
    at: performance.now(),
    requestThread: { idle, active },
    cpuMicros: cpu.user + cpu.system,
    groupCommits: store.groupCommitStats(),
  };
}

/** Resolves once the process is idle (its projections and sealer caught up), or after maxMs (a minute). */
async function settle(maxMs = 60_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const used = process.cpuUsage(before);
    if ((used.user + used.system) / 1000 < 50 || Date.now() - started > maxMs) return Date.now() - started;
  }
}

async function main(): Promise<void> {
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
    PULL_INTERVAL_SECONDS: '0',
    // The bench measures throughput: the per-partner rate limit (issue 15) would cap it.
    PARTNER_RATE_LIMIT: process.env.PARTNER_RATE_LIMIT ?? '0',
  });
  const vault = new TokenVault(config.partnerTokenKey ?? 'bench');
  const app = await createService(hubModule, config);
  const store = app.get<EventStore>(EVENT_STORE);
  await seedPartner(store, vault);
  await app.listen(0, '127.0.0.1');
  const hubPort = (app.getHttpServer().address() as { port: number }).port;

  // The bare route: parse the JSON body, insert one row into the same database, answer.
  const sql = (store as SqlEventStore).sql;
  await sql.exec(BARE_SCHEMA);
  const bare = Fastify();
  bare.route({
    method: ['PATCH', 'POST'],
    url: '/bare/:id',
    handler: async (request) => {
      const { id } = request.params as { id: string };
      await sql.query('INSERT INTO bench_bare (id, stream, type, data, metadata) VALUES ($1, $2, $3, $4, $5)', [
        randomUUID(),
        `bare-${id}`,
        'BareRow',
        JSON.stringify(request.body ?? {}),
        JSON.stringify({ receivedAt: at() }),
      ]);
      return { status_code: 1000, timestamp: at() };
    },
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const barePort = (bare.server.address() as { port: number }).port;

  process.on('message', async (request: ServerRequest) => {
    try {
      let result: unknown;
      if (request.type === 'long-session') result = await seedLongSession(store, request.sessionId, request.events);
      else if (request.type === 'filler') result = await seedFiller(store, request.events);
      else if (request.type === 'bulk-filler') result = await seedBulkFiller(store as SqlEventStore, request.events);
      else if (request.type === 'settle') result = await settle(request.maxMs);
      else if (request.type === 'inside') result = inside(store as SqlEventStore);
      else if (request.type === 'profile-start') {
        profile = new CpuProfile();
        await profile.start();
      } else if (request.type === 'profile-stop') await profile?.stop(request.file);
      else result = await store.headPosition();
      process.send?.({ id: request.id, result });
    } catch (error) {
      process.send?.({ id: request.id, error: (error as Error).stack ?? String(error) });
    }
  });
  process.on('disconnect', () => {
    void Promise.all([bare.close(), app.close()]).finally(() => process.exit(0));
  });
  process.send?.({ ready: { hubPort, barePort } });
}

// Only in the forked server: bench/ocpi.ts imports this file for its constants, and must not boot a hub of its own.
if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

/**
 * EVSE status PATCHes per second through the whole stack (HTTP, OCPI guard and validation,
 * CommandBus, handleCommand, the event store), for a location with 1 and with 200 EVSEs, after 0
 * and after 100,000 earlier PATCHes, beside a bare Fastify route that inserts the same row into the
 * same database, in the same run; on PGlite and on PostgreSQL. Prints figures; asserts nothing.
 * The process runs what the hub runs beside the receiver on each PATCH's path: the billing and
 * catalog projections and the log sealer. After seeding, the figures wait until they have caught up
 * with the seeded events (BENCH_CATCH_UP=0: measure while they catch up), so a figure is the cost of
 * a PATCH after that much history, not of the read side's backlog.
 *   npm run bench:locations     (BENCH_EARLIER=100000 BENCH_SECONDS=5 BENCH_STORES=pglite,postgres
 *                                BENCH_SLICES=5 BENCH_WARM_UP_SECONDS=20
 *                                BENCH_CATCH_UP=1 BENCH_DATABASE_URL=postgresql://...)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Global, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuditModule, SealerLifecycle } from '@roamledger/audit';
import { BillingModule } from '@roamledger/billing';
import { CATALOG_HOST, CatalogModule } from '@roamledger/catalog';
import { PartnerRejections } from '@roamledger/credentials';
import {
  EVENT_STORE,
  type NewEvent,
  SNAPSHOT_EVERY_EVENTS,
  type SqlClient,
  type SqlEventStore,
  snapshotKey,
} from '@roamledger/event-store';
import { foldEvents } from '@roamledger/kernel';
import { evseDecider, evseStream, LocationsModule } from '@roamledger/locations';
import { ModuleKit } from '@roamledger/module-kit';
import { ROAMLEDGER_MODULES } from '@roamledger/modules';
import {
  encodeCredentialsToken,
  PARTNER_AUTHENTICATOR,
  type PartnerAuthenticator,
  REJECTED_REQUEST_LOG,
} from '@roamledger/ocpi-transport';
import { ProjectionHost } from '@roamledger/projections';
import { createService, loadConfig, ServiceModule } from '@roamledger/service';
import Fastify from 'fastify';
import { Client } from 'pg';
import { evse, location } from '../test/support/location-fixtures';
import { percentile } from './open-loop';

const EARLIER = Number(process.env.BENCH_EARLIER ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const MAX_PATCHES = Number(process.env.BENCH_MAX_PATCHES ?? 2000);
const SLICES = Math.max(1, Number(process.env.BENCH_SLICES ?? 5));
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP_SECONDS ?? 20);
const STORES = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');
const CATCH_UP = process.env.BENCH_CATCH_UP !== '0';
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const TOKEN = 'bench-cpo-token';
const STATUSES = ['AVAILABLE', 'CHARGING'] as const;
const BASE = Date.parse('2026-01-01T00:00:00Z');
const at = (second: number) => new Date(BASE + second * 1000).toISOString().replace('.000Z', 'Z');

const partners: PartnerAuthenticator = {
  async authenticate(token, form) {
    return form === 'base64' && token === TOKEN
      ? {
          partnerId: 'bench-cpo',
          name: 'Bench CPO',
          tokenKind: 'C',
          roles: [{ countryCode: 'BE', partyId: 'BEC', role: 'CPO' }],
          suspended: false,
        }
      : undefined;
  },
};

@Global()
@Module({
  providers: [
    { provide: PARTNER_AUTHENTICATOR, useValue: partners },
    { provide: REJECTED_REQUEST_LOG, useClass: PartnerRejections },
  ],
  exports: [PARTNER_AUTHENTICATOR, REJECTED_REQUEST_LOG],
})
class BenchPartners {}

const BARE_SCHEMA = `
CREATE TABLE IF NOT EXISTS bench_bare_patch (
  position bigserial PRIMARY KEY, id uuid NOT NULL UNIQUE, stream text NOT NULL, type text NOT NULL,
  data jsonb NOT NULL, metadata jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`;

interface Case {
  evses: number;
  earlier: number;
}

/** A status PATCH's cause and event, as the receiver appends them: what earlier PATCHes left in the log. */
function patchEvents(locationId: string, uid: string, second: number): NewEvent[] {
  const status = STATUSES[second % 2];
  const url = `/ocpi/emsp/2.2.1/locations/BE/BEC/${locationId}/${uid}`;
  return [
    {
      type: 'OcpiRequestReceived',
      data: {
        method: 'PATCH',
        url,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status, last_updated: at(second) }),
      },
      metadata: { partner: 'BE*BEC' },
    },
    {
      type: 'EvseStatusChanged',
      data: {
        country_code: 'BE',
        party_id: 'BEC',
        location_id: locationId,
        evse_uid: uid,
        from: STATUSES[(second + 1) % 2],
        to: status,
        last_updated: at(second),
      },
      metadata: { partner: 'BE*BEC' },
    },
  ];
}

/**
 * The receiver saves a snapshot each time an EVSE stream has grown SNAPSHOT_EVERY_EVENTS past its
 * last one; seeding went around it, so the bench saves the one it would have left in the worst case:
 * SNAPSHOT_EVERY_EVENTS - 1 events before the stream's end. Untimed.
 */
async function snapshotAsTheReceiverWould(store: SqlEventStore, stream: string): Promise<void> {
  const events = await store.readStream(stream);
  const upTo = events.length - SNAPSHOT_EVERY_EVENTS;
  if (upTo < 0 || !store.snapshots) return;
  await store.snapshots.save({
    stream,
    key: snapshotKey(evseDecider),
    revision: events[upTo].revision,
    position: events[upTo].position,
    state: foldEvents(evseDecider, events.slice(0, upTo + 1)),
  });
}

const perSecond = (rate: number) => (rate < 10 ? rate.toFixed(2) : rate.toFixed(0)).padStart(5);

interface Figures {
  count: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  cpuUs: number;
  /** Longest wait for the read side after a turn. */
  settleMs: number;
}

/**
 * The stack and the bare route in turns of SECONDS / SLICES each, SLICES times (or MAX_PATCHES
 * PATCHes each in all): a machine shared with other work changes speed within seconds, and in
 * turns both sides see the same machine, so their ratio holds where one run after the other did not.
 * Each turn ends when `settled` says the read side has caught up, so the projections' and the
 * sealer's work on the stack's events is not done in the next bare turn: that wait is in the turn's
 * CPU but not in its time, being mostly idle (a partial projection batch waits up to 50 ms before
 * it commits, to gather more events: counted as time, that came to a tenth of a 1 s turn).
 */
async function timedInTurns(
  stack: (i: number) => Promise<void>,
  bare: (i: number) => Promise<void>,
  settled: () => Promise<void>,
): Promise<[Figures, Figures]> {
  const sides = [stack, bare].map((work) => ({ work, latencies: [] as number[], seconds: 0, cpuUs: 0, settleMs: 0 }));
  for (let slice = 0; slice < SLICES; slice++) {
    for (const side of sides) {
      const cap = Math.ceil((MAX_PATCHES * (slice + 1)) / SLICES);
      // CPU of the whole process (every thread: the databases', the projections', the load's own),
      // per PATCH (PostgreSQL's server processes not counted): it moves far less with a noisy
      // machine than PATCHes per second do.
      const cpu = process.cpuUsage();
      const started = performance.now();
      while (side.latencies.length < cap && performance.now() - started < (SECONDS * 1000) / SLICES) {
        const t = performance.now();
        await side.work(side.latencies.length);
        side.latencies.push(performance.now() - t);
      }
      const settling = performance.now();
      side.seconds += (settling - started) / 1000;
      await settled();
      side.settleMs = Math.max(side.settleMs, performance.now() - settling);
      const used = process.cpuUsage(cpu);
      side.cpuUs += used.user + used.system;
    }
  }
  return sides.map(({ latencies, seconds, cpuUs, settleMs }) => {
    latencies.sort((a, b) => a - b);
    return {
      settleMs,
      cpuUs: cpuUs / latencies.length,
      max: latencies[latencies.length - 1],
      count: latencies.length,
      perSecond: latencies.length / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  }) as [Figures, Figures];
}

async function run(name: string, env: Record<string, string>): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'roamledger-bench-'));
  // The bench measures throughput: the per-partner rate limit (issue 15) would cap it.
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error', PARTNER_RATE_LIMIT: '0', ...env });
  const app = await createService(
    (c) => ({
      module: class BenchLocations {},
      imports: [
        ServiceModule.forRoot(c),
        ModuleKit.forRoot(ROAMLEDGER_MODULES),
        BenchPartners,
        LocationsModule,
        // What else the hub runs in the process: its read side follows the log, the sealer seals it.
        BillingModule,
        CatalogModule,
        AuditModule.forRoot(),
      ],
    }),
    config,
  );
  await app.listen(0, '127.0.0.1');
  const store = app.get<SqlEventStore>(EVENT_STORE);
  const db: SqlClient = store.sql;
  const hosts = [app.get(ProjectionHost), app.get<ProjectionHost>(CATALOG_HOST)];
  // How far the sealer has taken the log, not its checkpoint: after a backlog, the seals it
  // appended stand between that and the head (LogSealer.takenThrough). Counted that way, the sealer
  // looked over a thousand events behind with nothing to do, and a turn waited for its 60 s timer.
  const sealerTook = () => app.get(SealerLifecycle).sealer?.takenThrough ?? -1;
  /** Events of the log each follower (projections, sealer) has not reached yet. */
  const lagOf = async () => {
    const head = await store.headPosition();
    const lags = (await Promise.all(hosts.map((host) => host.health()))).flat().map((h) => `${h.projection} ${h.lag}`);
    return `${lags.join(', ')}, sealer ${head - sealerTook()}`;
  };
  /** Until every projection has applied the log as it stands, and the sealer has taken it. */
  const caughtUp = async (pollMs = 200) => {
    const head = await store.headPosition();
    for (const host of hosts) for (const p of host.projections) await host.waitFor(p.name, head, 600_000);
    const deadline = Date.now() + 600_000;
    while (sealerTook() < head) {
      if (Date.now() > deadline) throw new Error('the sealer did not catch up within 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };
  await db.exec(BARE_SCHEMA);
  const bare = Fastify();
  bare.patch('/bare/:cc/:pid/:location/:evse', async (request) => {
    const params = request.params as Record<string, string>;
    const body = request.body as { status: string; last_updated: string };
    await db.query('INSERT INTO bench_bare_patch (id, stream, type, data, metadata) VALUES ($1, $2, $3, $4, $5)', [
      randomUUID(),
      evseStream({ countryCode: params.cc, partyId: params.pid }, params.location, params.evse),
      'EvseStatusChanged',
      JSON.stringify({ ...params, ...body }),
      JSON.stringify({ partner: 'BE*BEC' }),
    ]);
    return { status_code: 1000, timestamp: new Date().toISOString() };
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const stackUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}/ocpi/emsp/2.2.1/locations/BE/BEC`;
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/bare/BE/BEC`;
  const headers = { authorization: encodeCredentialsToken(TOKEN), 'content-type': 'application/json' };

  console.log(
    `\n${name}: EVSE status PATCHes, one at a time over HTTP, ${SECONDS} s or ${MAX_PATCHES} PATCHes per figure, stack and bare in ${SLICES} turns each`,
  );
  // Untimed PATCHes on both routes, in turns, for WARM_UP_SECONDS (at least 200 each): code paths
  // compiled and optimised, first projection batches, first seals. With 200 each and no more, the
  // first row's stack cost about 1.6 times the CPU per PATCH of the same case run third, so the
  // first row measured the JIT, not the case.
  {
    const put = await fetch(`${stackUrl}/WARM-UP`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(location('WARM-UP', at(0), { evses: [evse('W1', at(0))] })),
    });
    if (put.status !== 201) throw new Error(`PUT WARM-UP: HTTP ${put.status} ${await put.text()}`);
    const started = performance.now();
    for (let i = 0; i < 400 || performance.now() - started < WARM_UP_SECONDS * 1000; i++) {
      const response = await fetch(`${i % 2 ? bareUrl : stackUrl}/WARM-UP/W1`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ status: STATUSES[(i >> 1) % 2], last_updated: at((i >> 1) + 1) }),
      });
      await response.arrayBuffer();
    }
  }
  const cases: Case[] = [
    { evses: 1, earlier: 0 },
    { evses: 200, earlier: 0 },
    { evses: 1, earlier: EARLIER },
    { evses: 200, earlier: EARLIER },
  ];
  for (const [n, { evses, earlier }] of cases.entries()) {
    const locationId = `BENCH-${n}`;
    const uids = Array.from({ length: evses }, (_, i) => `E${i}`);
    const put = await fetch(`${stackUrl}/${locationId}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(location(locationId, at(0), { evses: uids.map((uid) => evse(uid, at(0))) })),
    });
    if (put.status !== 201) throw new Error(`PUT ${locationId}: HTTP ${put.status} ${await put.text()}`);
    // Earlier PATCHes, appended as the receiver would have (round robin over the EVSEs), in big appends.
    const seedStarted = performance.now();
    let second = 1;
    const perEvse = Math.ceil(earlier / evses);
    for (const uid of uids) {
      const stream = evseStream({ countryCode: 'BE', partyId: 'BEC' }, locationId, uid);
      for (let done = 0; done < perEvse; ) {
        const batch = Math.min(1000, perEvse - done);
        const events = Array.from({ length: batch }, () => patchEvents(locationId, uid, second++)).flat();
        await store.append(stream, events);
        done += batch;
      }
      if (earlier) await snapshotAsTheReceiverWould(store, stream);
    }
    const seededIn = (performance.now() - seedStarted) / 1000;
    const lagSeeded = await lagOf();
    const catchUpStarted = performance.now();
    if (CATCH_UP) await caughtUp();
    const seeded = earlier
      ? ` (seeded in ${seededIn.toFixed(1)} s; behind then: ${lagSeeded}${CATCH_UP ? `; caught up in ${((performance.now() - catchUpStarted) / 1000).toFixed(1)} s` : ''})`
      : '';
    let next = second + 10;
    const patch = (base: string) => async (i: number) => {
      const uid = uids[i % evses];
      const send = () =>
        fetch(`${base}/${locationId}/${uid}`, {
          method: 'PATCH',
          headers,
          body: JSON.stringify({ status: STATUSES[next % 2], last_updated: at(next++) }),
        });
      // A keep-alive connection left idle while seeding (over a minute on a busy machine) may have
      // been closed by the server: once more, on a new one.
      const response = await send().catch(send);
      if (response.status !== 200) throw new Error(`PATCH: HTTP ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    };
    // The seeded events were appended around handleCommand, so no process holds their state: each
    // EVSE stream's first PATCH starts from its snapshot, as after a restart. That cold read is
    // timed apart; the figures are for a stream the hub has seen.
    const coldStarted = performance.now();
    const warm = patch(stackUrl);
    for (let i = 0; i < evses; i++) await warm(i);
    const cold = earlier
      ? `, first PATCH of each EVSE (cold: snapshot + ${SNAPSHOT_EVERY_EVENTS - 1} events) ${((performance.now() - coldStarted) / evses).toFixed(1)} ms`
      : '';
    const lagBefore = await lagOf();
    const [stack, bareFigures] = await timedInTurns(patch(stackUrl), patch(bareUrl), async () => {
      // Should a turn's events take the read side long, who is behind.
      const slow = setInterval(async () => console.log(`  (read side still behind 2 s after a turn: ${await lagOf()})`), 2000);
      try {
        await caughtUp(5);
      } finally {
        clearInterval(slow);
      }
    });
    const lagAfter = await lagOf();
    // GET answers from the EVSE's state in memory, whatever its history (mod_locations' Receiver GET).
    const gets: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      const response = await fetch(`${stackUrl}/${locationId}/${uids[i % evses]}`, { headers });
      if (response.status !== 200) throw new Error(`GET: HTTP ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
      gets.push(performance.now() - started);
    }
    const getP50 = percentile(
      gets.sort((a, b) => a - b),
      50,
    );
    console.log(
      `  ${String(evses).padStart(3)} EVSE(s), ${String(earlier).padStart(6)} earlier: stack ${perSecond(stack.perSecond)}/s (p50 ${stack.p50.toFixed(1)} ms, p99 ${stack.p99.toFixed(1)} ms, max ${stack.max.toFixed(1)} ms)   bare ${perSecond(bareFigures.perSecond)}/s (p50 ${bareFigures.p50.toFixed(1)} ms)   stack/bare ${((stack.perSecond / bareFigures.perSecond) * 100).toFixed(1)}%; CPU per PATCH stack ${stack.cpuUs.toFixed(0)} µs, bare ${bareFigures.cpuUs.toFixed(0)} µs; longest wait for the read side after a stack turn ${stack.settleMs.toFixed(0)} ms; GET of an EVSE p50 ${getP50.toFixed(1)} ms${seeded}${cold}; behind at start: ${lagBefore}, at end: ${lagAfter}; load ${os.loadavg()[0].toFixed(1)}`,
    );
  }
  await bare.close();
  await (app as NestFastifyApplication).close();
  rmSync(dataDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${new Date().toISOString()}, earlier PATCHes: ${EARLIER}`);
  if (STORES.includes('pglite')) await run('PGlite (embedded, on disk)', { EVENT_STORE: 'pglite' });
  if (!STORES.includes('postgres')) return;
  // A database of its own, dropped afterwards.
  const database = `rl_bench_locations_${Date.now()}`;
  const admin = new Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  try {
    const url = new URL(DATABASE_URL);
    url.pathname = `/${database}`;
    await run(`PostgreSQL (${url.host})`, { EVENT_STORE: 'postgres', DATABASE_URL: url.toString() });
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

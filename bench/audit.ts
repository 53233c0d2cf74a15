/**
 * Throughput of the auditor's tools on PGlite (a folder) and PostgreSQL: `verify` (read the log
 * and check every chain and seal), the check alone on events already in memory, and `replay`
 * (rebuild the billing projection from position 0 into a fresh database and compare digests).
 * Prints figures; asserts nothing.
 *   npm run bench:audit     (BENCH_EVENTS=3000 BENCH_SESSIONS=500 to change the size,
 *                            BENCH_DATABASE_URL=none to skip PostgreSQL)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { LogSealer, LogVerifier, replayProjections, scanLog, verifyStoredLog } from '@roamledger/audit';
import { billingProjection } from '@roamledger/billing';
import {
  type EventStore,
  openPgliteClient,
  openPostgresClient,
  type RecordedEvent,
  type SqlClient,
  SqlEventStore,
} from '@roamledger/event-store';
import { ProjectionHost } from '@roamledger/projections';
import { buildLog } from '../test/audit/log-fixture';
import { cdr, session, writers } from '../test/billing/billing-fixture';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 3000);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 500);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const PROJECTION = billingProjection({ timeZone: 'UTC' });

interface Target {
  name: string;
  store: EventStore;
  /** A fresh database for the projection tables. */
  openDb(): Promise<SqlClient>;
  cleanUp(): Promise<void>;
}

/** Sessions charged and billed the way the Sessions and CDRs modules record them. */
async function writeSessions(store: EventStore, count: number): Promise<void> {
  const { sessions, cdrs } = writers(store);
  const party = { countryCode: 'DE', partyId: 'ABC' };
  for (let i = 0; i < count; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    const start = `2026-11-${day}T08:00:00Z`;
    const end = `2026-11-${day}T10:00:00Z`;
    const id = `S${i}`;
    await sessions.put(session('DE*ABC', id, { start, kwh: 0, status: 'ACTIVE', lastUpdated: start }));
    await sessions.patch(party, id, { kwh: 4.5, last_updated: `2026-11-${day}T09:00:00Z` });
    await sessions.patch(party, id, {
      kwh: 9 + (i % 10),
      status: 'COMPLETED',
      end_date_time: end,
      total_cost: { excl_vat: 4.5, incl_vat: 5.36 },
      last_updated: end,
    } as never);
    await cdrs.receive(
      cdr('DE*ABC', `C${i}`, { start, end, kwh: 9 + (i % 10), excl: 4.5, incl: 5.36, currency: 'EUR', sessionId: id }),
    );
  }
}

interface Timing {
  /** Wall seconds. */
  wall: number;
  /** CPU seconds of this Node process (user + system); the database's own work is not in it. */
  cpu: number;
}

async function seconds(work: () => Promise<unknown>): Promise<Timing> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await work();
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
}

/** Wall rate, and the Node process's CPU time per event (steadier than the rate on a loaded machine). */
const perSecond = (count: number, t: Timing) =>
  `${Math.round(count / t.wall)
    .toLocaleString('en-US')
    .padStart(8)} events/s  ${((t.cpu / count) * 1e6).toFixed(1).padStart(6)} µs CPU/event`;

const load = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

async function measure(target: Target): Promise<void> {
  const { store } = target;
  const build = await seconds(async () => {
    await buildLog(store, { events: EVENTS, sealEvery: 1000 });
    await writeSessions(store, SESSIONS);
    await new LogSealer(store, { everyEvents: 1000, everySeconds: 0 }).sealOutstanding();
  });
  const events = (await store.headPosition()) + 1;
  console.log(
    `${target.name}: ${events.toLocaleString('en-US')} events (${EVENTS} generic, ${SESSIONS} billed sessions), written in ${build.wall.toFixed(1)} s; load average ${load()}`,
  );

  let ok = false;
  const verify = await seconds(async () => {
    const verifier = new LogVerifier();
    for await (const event of scanLog(store)) verifier.push(event);
    ok = verifier.finish().ok;
  });
  console.log(`  verify, one thread          ${perSecond(events, verify)}   ${ok ? 'ok' : 'FAILED'}`);
  // As `npm run audit -- verify` runs on a large log: hashed in worker threads (their CPU is in the figure).
  const stored = await seconds(async () => {
    ok = (await verifyStoredLog(store, { workers: availableParallelism() })).ok;
  });
  console.log(
    `  verify (read + check)       ${perSecond(events, stored)}   ${ok ? 'ok' : 'FAILED'}  (${availableParallelism()} hashing threads; aim >= 100,000 events/s on PostgreSQL)`,
  );

  const inMemory: RecordedEvent[] = [];
  for await (const event of scanLog(store)) inMemory.push(event);
  const check = await seconds(async () => {
    const verifier = new LogVerifier();
    for (const event of inMemory) verifier.push(event);
    verifier.finish();
  });
  console.log(`  verify (check only)         ${perSecond(events, check)}`);

  const live = await target.openDb();
  const host = new ProjectionHost(store, live, [PROJECTION]);
  const liveBuild = await seconds(async () => {
    await host.start();
    await host.waitFor(PROJECTION.name, events - 1, 600_000);
    await host.stop();
  });
  console.log(`  live projection build       ${perSecond(events, liveBuild)}`);
  const fresh = await target.openDb();
  let status = '';
  const replay = await seconds(async () => {
    const report = await replayProjections({ store, live, target: fresh, projections: [PROJECTION] });
    status = report.projections.map((p) => p.status).join(', ');
  });
  console.log(`  replay (rebuild + compare)  ${perSecond(events, replay)}   ${status}`);
  console.log(`  load average after: ${load()}`);
  await live.close();
  await fresh.close();
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  console.log(`node ${process.version}, ${new Date().toISOString()}`);
  const folders: string[] = [];
  const folder = () => {
    const made = mkdtempSync(path.join(tmpdir(), 'roamledger-bench-audit-'));
    folders.push(made);
    return made;
  };
  const targets: Array<() => Promise<Target>> = [
    async () => ({
      name: 'PGlite (folder)',
      store: await SqlEventStore.open('pglite', await openPgliteClient(folder())),
      openDb: () => openPgliteClient(folder()),
      cleanUp: async () => {
        for (const made of folders) rmSync(made, { recursive: true, force: true });
      },
    }),
  ];
  if (DATABASE_URL !== 'none') {
    targets.push(async () => {
      const schemas = [`rl_bench_audit_${randomBytes(4).toString('hex')}`];
      const store = await SqlEventStore.open(
        'postgres',
        await openPostgresClient({ connectionString: DATABASE_URL, schema: schemas[0] }),
      );
      return {
        name: `PostgreSQL (${new URL(DATABASE_URL).host})`,
        store,
        openDb: () => {
          schemas.push(`${schemas[0]}_p${schemas.length}`);
          return openPostgresClient({ connectionString: DATABASE_URL, schema: schemas[schemas.length - 1] });
        },
        cleanUp: () => store.sql.exec(schemas.map((schema) => `DROP SCHEMA IF EXISTS ${schema} CASCADE;`).join(' ')),
      };
    });
  }
  for (const open of targets) {
    const target = await open();
    try {
      await measure(target);
    } finally {
      await target.cleanUp();
      await target.store.close();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

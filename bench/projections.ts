/**
 * Rebuild of the billing projection from position 0 against a raw readAll of the same log, in the
 * same run, and the peak RSS of the process. Prints figures; asserts nothing.
 *   node -r ./tsconfig-paths-dist.js dist/bench/projections.js
 *   BENCH_EVENTS=1000000 (log size)  BENCH_STORE=postgres|pglite  BENCH_SESSION_EVENTS=100 (events per session)
 *   BENCH_BATCH=5000 (events per projection transaction)
 *   BENCH_CPU_PROFILE=<dir>: a V8 CPU profile of the rebuild alone (billing-rebuild.cpuprofile)
 *
 * The log is a billing one, seeded with appends of BENCH_SESSION_EVENTS events (one session each:
 * SessionStarted, SessionUpdated / ChargingPeriodsAdded meter updates, SessionStatusChanged,
 * SessionEnded), each followed by its CDR (CdrReceived) and, for one session in ten, a credit.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { billingProjection } from '@roamledger/billing';
import type { CdrReceived, CreditCdrReceived } from '@roamledger/cdrs';
import {
  type EventStore,
  type NewEvent,
  openPgliteClient,
  openPostgresClient,
  type SqlClient,
  SqlEventStore,
} from '@roamledger/event-store';
import type { CDR, Session } from '@roamledger/ocpi';
import {
  activateBuild,
  createBuild,
  digestProjection,
  ensureRegistry,
  LogFollower,
  ProjectionRunner,
} from '@roamledger/projections';
import type {
  ChargingPeriodsAdded,
  SessionEnded,
  SessionStarted,
  SessionStatusChanged,
  SessionUpdated,
} from '@roamledger/sessions';
import { CpuProfile } from './cpu-profile';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const SESSION_EVENTS = Math.max(4, Number(process.env.BENCH_SESSION_EVENTS ?? 100));
const STORE = (process.env.BENCH_STORE ?? 'postgres') as 'postgres' | 'pglite';
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const READ_PAGE = 1000;
const BATCH = Number(process.env.BENCH_BATCH ?? 5000);

/** CPU microseconds of this Node process since `from` (the database's own work is not in it). */
const cpuMicros = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return used.user + used.system;
};

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Peak RSS, sampled every 50 ms, per phase. */
class RssWatch {
  private peak = 0;
  private readonly timer = setInterval(() => this.sample(), 50);
  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }
  phase(): number {
    this.sample();
    const peak = this.peak;
    this.peak = 0;
    return peak;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

function sessionEvents(n: number): NewEvent[] {
  const ref = { country_code: 'DE', party_id: 'ABC', session_id: `S${n}` };
  const start = new Date(Date.UTC(2026, 10, 1) + n * 60_000);
  const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000).toISOString();
  const session = {
    ...ref,
    id: ref.session_id,
    start_date_time: at(0),
    kwh: 0,
    cdr_token: {
      country_code: 'NL',
      party_id: 'RLG',
      uid: `TOK${n % 5000}`,
      type: 'RFID',
      contract_id: `NL-RLG-C${String(n % 5000).padStart(5, '0')}-X`,
    },
    auth_method: 'WHITELIST',
    location_id: `LOC${n % 300}`,
    evse_uid: `EVSE${n % 1200}`,
    connector_id: '1',
    currency: 'EUR',
    status: 'ACTIVE',
    last_updated: at(0),
  } as unknown as Session;
  const events: NewEvent[] = [{ type: 'SessionStarted', data: { ...ref, session } satisfies SessionStarted['data'] }];
  const updates = SESSION_EVENTS - 3;
  for (let i = 1; i <= updates; i++) {
    const kwh = Math.round(i * 0.35 * 1000) / 1000;
    if (i % 2) {
      events.push({
        type: 'SessionUpdated',
        data: {
          ...ref,
          changes: { kwh, total_cost: { excl_vat: kwh * 0.4, incl_vat: kwh * 0.476 } },
          last_updated: at(i * 5),
        } satisfies SessionUpdated['data'],
      });
    } else {
      events.push({
        type: 'ChargingPeriodsAdded',
        data: {
          ...ref,
          charging_periods: [{ start_date_time: at(i * 5), dimensions: [{ type: 'ENERGY', volume: 0.35 }] }],
          last_updated: at(i * 5),
        } as unknown as ChargingPeriodsAdded['data'],
      });
    }
  }
  const kwh = Math.round(updates * 0.35 * 1000) / 1000;
  const end = at(updates * 5 + 5);
  events.push({
    type: 'SessionStatusChanged',
    data: { ...ref, from: 'ACTIVE', to: 'COMPLETED', last_updated: end } as SessionStatusChanged['data'],
  });
  events.push({
    type: 'SessionEnded',
    data: {
      ...ref,
      status: 'COMPLETED',
      end_date_time: end,
      kwh,
      total_cost: { excl_vat: kwh * 0.4, incl_vat: kwh * 0.476 },
      currency: 'EUR',
      last_updated: end,
    } as SessionEnded['data'],
  });
  return events;
}

function cdrOf(n: number, credit: boolean): CDR {
  const kwh = Math.round((SESSION_EVENTS - 3) * 0.35 * 1000) / 1000;
  const sign = credit ? -1 : 1;
  const start = new Date(Date.UTC(2026, 10, 1) + n * 60_000).toISOString();
  const end = new Date(Date.parse(start) + ((SESSION_EVENTS - 3) * 5 + 5) * 60_000).toISOString();
  return {
    country_code: 'DE',
    party_id: 'ABC',
    id: credit ? `C${n}-CR` : `C${n}`,
    start_date_time: start,
    end_date_time: end,
    session_id: `S${n}`,
    cdr_token: {
      country_code: 'NL',
      party_id: 'RLG',
      uid: `TOK${n % 5000}`,
      type: 'RFID',
      contract_id: `NL-RLG-C${String(n % 5000).padStart(5, '0')}-X`,
    },
    auth_method: 'WHITELIST',
    cdr_location: {
      id: `LOC${n % 300}`,
      address: 'Hauptstrasse 1',
      city: 'Berlin',
      country: 'DEU',
      coordinates: { latitude: '52.52', longitude: '13.40' },
      evse_uid: `EVSE${n % 1200}`,
      evse_id: `DE*ABC*E${n % 1200}`,
      connector_id: '1',
      connector_standard: 'IEC_62196_T2',
      connector_format: 'SOCKET',
      connector_power_type: 'AC_3_PHASE',
    },
    currency: 'EUR',
    charging_periods: [{ start_date_time: start, dimensions: [{ type: 'ENERGY', volume: kwh }], tariff_id: 'T1' }],
    total_cost: { excl_vat: sign * kwh * 0.4, incl_vat: sign * kwh * 0.476 },
    total_energy: kwh,
    total_time: (Date.parse(end) - Date.parse(start)) / 3_600_000,
    ...(credit ? { credit: true, credit_reference_id: `C${n}` } : {}),
    last_updated: end,
  } as unknown as CDR;
}

async function seed(store: EventStore): Promise<number> {
  let n = 0;
  let written = 0;
  const metadata = { partner: 'DE*ABC' };
  while (written < EVENTS) {
    const events = sessionEvents(n).slice(0, EVENTS - written);
    await store.append(
      `session-DE-ABC-S${n}`,
      events.map((event) => ({ ...event, id: randomUUID(), metadata })),
    );
    written += events.length;
    if (written < EVENTS) {
      const ref = { country_code: 'DE', party_id: 'ABC', cdr_id: `C${n}` };
      await store.append(`cdr-DE-ABC-C${n}`, [
        { type: 'CdrReceived', data: { ...ref, cdr: cdrOf(n, false), findings: [] } satisfies CdrReceived['data'], metadata },
      ]);
      written++;
    }
    if (written < EVENTS && n % 10 === 9) {
      const ref = { country_code: 'DE', party_id: 'ABC', cdr_id: `C${n}-CR` };
      await store.append(`cdr-DE-ABC-C${n}-CR`, [
        {
          type: 'CreditCdrReceived',
          data: {
            ...ref,
            cdr: cdrOf(n, true),
            credit_reference_id: `C${n}`,
            original_stream: `cdr-DE-ABC-C${n}`,
            original_found: true,
            findings: [],
          } satisfies CreditCdrReceived['data'],
          metadata,
        },
      ]);
      written++;
    }
    n++;
    if (n % 1000 === 0) process.stdout.write(`\r  seeded ${written.toLocaleString('en')} events`);
  }
  process.stdout.write('\n');
  return n;
}

async function rawRead(store: EventStore): Promise<number> {
  let from = 0;
  let count = 0;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: READ_PAGE });
    if (page.length === 0) return count;
    count += page.length;
    from = page[page.length - 1].position + 1;
  }
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${new Date().toISOString()}, ${EVENTS.toLocaleString('en')} events, ${STORE}`);
  const rss = new RssWatch();
  const schema = `rl_bench_proj_${Date.now()}`;
  const folder = mkdtempSync(path.join(tmpdir(), 'rl-bench-projections-'));
  let store: SqlEventStore;
  let target: SqlClient;
  if (STORE === 'postgres') {
    store = await SqlEventStore.open(
      'postgres',
      await openPostgresClient({ connectionString: DATABASE_URL, schema: `${schema}_log` }),
    );
    target = await openPostgresClient({ connectionString: DATABASE_URL, schema });
  } else {
    store = await SqlEventStore.open('pglite', await openPgliteClient(path.join(folder, 'event-store')));
    target = await openPgliteClient(path.join(folder, 'projections'));
  }
  const afterOpen = rss.phase();
  try {
    let started = performance.now();
    const sessions = await seed(store);
    const seedSeconds = (performance.now() - started) / 1000;
    const head = await store.headPosition();
    const seedRss = rss.phase();
    console.log(
      `  log: ${(head + 1).toLocaleString('en')} events, ${sessions.toLocaleString('en')} sessions of ${SESSION_EVENTS} events + a CDR each (+ a credit per 10); seeded at ${((head + 1) / seedSeconds).toFixed(0)} events/s`,
    );

    const loadBefore = os.loadavg();
    started = performance.now();
    let cpu = process.cpuUsage();
    const read = await rawRead(store);
    const readRate = read / ((performance.now() - started) / 1000);
    const readCpu = cpuMicros(cpu) / read;
    const readRss = rss.phase();

    const projection = billingProjection({ timeZone: 'UTC' });
    await ensureRegistry(target);
    const build = await createBuild(target, projection);
    const runner = new ProjectionRunner(target, projection, build.build, build.position);
    const profileDir = process.env.BENCH_CPU_PROFILE;
    const profile = profileDir ? new CpuProfile() : undefined;
    await profile?.start();
    started = performance.now();
    cpu = process.cpuUsage();
    const end = await new LogFollower(store, runner, { until: head, batchSize: BATCH }).run();
    const rebuildSeconds = (performance.now() - started) / 1000;
    const rebuildCpu = cpuMicros(cpu) / (head + 1);
    if (profileDir) await profile?.stop(path.join(profileDir, 'billing-rebuild.cpuprofile'));
    if (end !== 'reached') throw new Error(`rebuild ended ${end}`);
    const rebuildRate = (head + 1) / rebuildSeconds;
    const rebuildRss = rss.phase();
    await activateBuild(target, projection, build.build);

    started = performance.now();
    const digest = await digestProjection(target, projection);
    const digestSeconds = (performance.now() - started) / 1000;
    const digestRss = rss.phase();

    rss.stop();
    const row = (label: string, value: string) => console.log(`  ${label.padEnd(34)} ${value}`);
    row('raw readAll (pages of 1000)', `${readRate.toFixed(0)} events/s, ${readCpu.toFixed(1)} µs CPU/event`);
    row(
      'billing rebuild from position 0',
      `${rebuildRate.toFixed(0)} events/s, ${rebuildCpu.toFixed(1)} µs CPU/event  (${((rebuildRate / readRate) * 100).toFixed(0)}% of raw read; aim >= 50%)`,
    );
    row(
      'load average before / after',
      `${loadBefore.map((v) => v.toFixed(2)).join(' ')} / ${os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
    );
    row('rebuilt rows', digest.tables.map((table) => `${table.table} ${table.rows.toLocaleString('en')}`).join(', '));
    row('digest of the rebuilt tables', `${digestSeconds.toFixed(1)} s`);
    row('peak RSS: opened / seeding', `${mb(afterOpen)} / ${mb(seedRss)}`);
    row('peak RSS: raw read / rebuild / digest', `${mb(readRss)} / ${mb(rebuildRss)} / ${mb(digestRss)}  (aim < 512 MB)`);
    row('peak RSS of the process (maxRSS)', mb(process.resourceUsage().maxRSS * 1024));
  } finally {
    rss.stop();
    if (STORE === 'postgres') {
      await target.exec(`DROP SCHEMA ${schema} CASCADE; DROP SCHEMA ${schema}_log CASCADE`);
    }
    await target.close();
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

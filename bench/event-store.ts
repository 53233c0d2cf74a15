/**
 * Append and read throughput of the event store port against bare SQL in the same database,
 * for PGlite and PostgreSQL. Prints figures; asserts nothing.
 *   npm run bench:event-store            (BENCH_EVENTS=2000 to change the size)
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { openPgliteClient, openPostgresClient, type SqlClient, SqlEventStore } from '@roamledger/event-store';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const BATCH = 100;
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const payload = () => ({
  country_code: 'DE',
  party_id: 'ABC',
  id: randomUUID(),
  kwh: 12.345,
  status: 'ACTIVE',
  last_updated: new Date().toISOString(),
});
const metadata = { requestId: 'bench', correlationId: 'bench', partner: 'DE*ABC', receivedAt: new Date().toISOString() };

const BARE_SCHEMA = `
CREATE TABLE IF NOT EXISTS bench_bare (
  position bigserial PRIMARY KEY, id uuid NOT NULL UNIQUE, stream text NOT NULL, type text NOT NULL,
  data jsonb NOT NULL, metadata jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`;

interface Figures {
  single: number;
  batch: number;
  read: number;
}

async function rate(count: number, work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return count / ((performance.now() - started) / 1000);
}

async function measurePort(store: SqlEventStore, count: number, tag: string): Promise<Figures> {
  const single = await rate(count, async () => {
    for (let i = 0; i < count; i++) {
      await store.append(`bench-${tag}-${i % 100}`, [{ type: 'SessionUpdated', data: payload(), metadata }]);
    }
  });
  const batch = await rate(count, async () => {
    for (let i = 0; i < count / BATCH; i++) {
      const events = Array.from({ length: BATCH }, () => ({ type: 'SessionUpdated', data: payload(), metadata }));
      await store.append(`bench-${tag}-batch-${i}`, events, { expectedRevision: 'no_stream' });
    }
  });
  const total = (await store.headPosition()) + 1;
  const read = await rate(total, async () => {
    let from = 0;
    for (;;) {
      const page = await store.readAll({ fromPosition: from, maxCount: 1000 });
      if (page.length === 0) break;
      from = page[page.length - 1].position + 1;
    }
  });
  return { single, batch, read };
}

async function measureBare(db: SqlClient, count: number, tag: string): Promise<Figures> {
  await db.exec(BARE_SCHEMA);
  const insert = 'INSERT INTO bench_bare (id, stream, type, data, metadata) VALUES ($1, $2, $3, $4, $5)';
  const single = await rate(count, async () => {
    for (let i = 0; i < count; i++) {
      await db.query(insert, [
        randomUUID(),
        `bench-${tag}-${i % 100}`,
        'SessionUpdated',
        JSON.stringify(payload()),
        JSON.stringify(metadata),
      ]);
    }
  });
  const batch = await rate(count, async () => {
    for (let i = 0; i < count / BATCH; i++) {
      const rows = Array.from({ length: BATCH }, () => ({ id: randomUUID(), data: payload() }));
      await db.query(
        `INSERT INTO bench_bare (id, stream, type, data, metadata)
         SELECT (r->>'id')::uuid, $1, 'SessionUpdated', r->'data', $2::jsonb FROM jsonb_array_elements($3::jsonb) r`,
        [`bench-${tag}-batch-${i}`, JSON.stringify(metadata), JSON.stringify(rows)],
      );
    }
  });
  const [{ rows }] = await db.query<{ rows: string | number }>('SELECT count(*) AS rows FROM bench_bare');
  const read = await rate(Number(rows), async () => {
    let from = 0;
    for (;;) {
      const page = await db.query<{ position: string | number }>(
        'SELECT position, id, stream, type, data, metadata, recorded_at FROM bench_bare WHERE position > $1 ORDER BY position LIMIT 1000',
        [from],
      );
      if (page.length === 0) break;
      from = Number(page[page.length - 1].position);
    }
  });
  return { single, batch, read };
}

function report(name: string, port: Figures, bare: Figures): void {
  const row = (label: string, key: keyof Figures) =>
    `  ${label.padEnd(26)} port ${port[key].toFixed(0).padStart(8)} /s   bare SQL ${bare[key].toFixed(0).padStart(8)} /s   port/bare ${(
      (port[key] / bare[key]) * 100
    ).toFixed(0)}%`;
  console.log(`${name} (${EVENTS} events per figure)`);
  console.log(row('append, 1 event each', 'single'));
  console.log(row(`append, batches of ${BATCH}`, 'batch'));
  console.log(row('readAll, pages of 1000', 'read'));
}

/** Both sides on the same database, each warmed up first so neither pays for the other's JIT. */
async function compare(name: string, store: SqlEventStore): Promise<void> {
  await measureBare(store.sql, 200, 'warm-up');
  await measurePort(store, 200, 'warm-up');
  await store.sql.exec('TRUNCATE bench_bare');
  const bare = await measureBare(store.sql, EVENTS, 'run');
  const port = await measurePort(store, EVENTS, 'run');
  report(name, port, bare);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${new Date().toISOString()}`);
  {
    const store = await SqlEventStore.open('pglite', await openPgliteClient(undefined));
    await compare('PGlite (in memory)', store);
    await store.close();
  }
  {
    const schema = `rl_bench_${Date.now()}`;
    const store = await SqlEventStore.open('postgres', await openPostgresClient({ connectionString: DATABASE_URL, schema }));
    try {
      await compare(`PostgreSQL (${new URL(DATABASE_URL).host})`, store);
    } finally {
      await store.sql.exec(`DROP SCHEMA ${schema} CASCADE`);
      await store.close();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openPostgresClient, type SqlClient, SqlEventStore } from '@roamledger/event-store';
import { listBuilds, openProjectionDb, projectionRecipe, startProjectionHost } from '@roamledger/projections';
import { Client } from 'pg';
import { TEST_DATABASE_URL } from '../support/postgres';
import { appendToyEvents } from './stream-stats';
import { threadProbe } from './thread-probe';

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('startProjectionHost on a PostgreSQL log: the followers run in the projection thread', () => {
  let database: string;
  let url: string;
  let store: SqlEventStore;
  let db: SqlClient;
  let folder: string;

  before(async () => {
    // The thread opens the log by DATABASE_URL alone (no schema), as a hub does: a database of its own.
    database = `rl_thread_${randomBytes(5).toString('hex')}`;
    await onServer(`CREATE DATABASE ${database}`);
    const parsed = new URL(TEST_DATABASE_URL);
    parsed.pathname = `/${database}`;
    url = parsed.toString();
    store = await SqlEventStore.open('postgres', await openPostgresClient({ connectionString: url }));
    db = await openProjectionDb({ dataDir: '', databaseUrl: url });
    folder = mkdtempSync(path.join(os.tmpdir(), 'rl-thread-'));
  });
  after(async () => {
    await db?.close();
    await store?.close();
    rmSync(folder, { recursive: true, force: true });
    await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
  });

  const rows = async () =>
    (
      await db.query<{ position: string; thread_id: number }>('SELECT position, thread_id FROM thread_probe ORDER BY position')
    ).map((row) => ({ position: Number(row.position), thread: Number(row.thread_id) }));

  test('events are applied in another thread; waitFor, health, status and rebuild answer from here', async () => {
    const host = await startProjectionHost({
      store,
      db,
      dbSettings: { dataDir: '', databaseUrl: url },
      recipes: [projectionRecipe(require.resolve('./thread-probe'), threadProbe)],
      logDatabaseUrl: url,
    });
    try {
      const head = await appendToyEvents(store, 300, 3);
      await host.waitFor('thread_probe', head, 30_000);
      const applied = await rows();
      assert.equal(applied.length, 300);
      assert.ok(
        applied.every((row) => row.thread !== 0),
        'no event was applied on the main thread',
      );

      const [health] = await host.health();
      assert.equal(health.projection, 'thread_probe');
      assert.equal(health.status, 'ok');
      assert.equal(health.position, head);

      const rebuilt = await host.rebuild('thread_probe');
      const deadline = Date.now() + 30_000;
      while ((await listBuilds(db, 'thread_probe')).find((b) => b.state === 'active')?.build !== rebuilt.build) {
        assert.ok(Date.now() < deadline, 'the rebuild was switched to');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const [status] = await host.status();
      assert.equal(status.builds.find((b) => b.state === 'active')?.build, rebuilt.build);
      assert.equal((await rows()).length, 300);
    } finally {
      await host.stop();
    }
  });

  test('a thread that dies is started again, and the projection catches up without losing an event', async () => {
    const crashOnce = path.join(folder, 'crashed');
    const host = await startProjectionHost({
      store,
      db,
      dbSettings: { dataDir: '', databaseUrl: url },
      recipes: [projectionRecipe(require.resolve('./thread-probe'), threadProbe, crashOnce)],
      logDatabaseUrl: url,
    });
    try {
      const head = await appendToyEvents(store, 50, 1);
      await host.waitFor('thread_probe', head, 30_000);
      const applied = await rows();
      assert.equal(applied.length, 350);
      assert.deepEqual(
        applied.map((row) => row.position),
        [...new Set(applied.map((row) => row.position))],
      );
      assert.ok(existsSync(crashOnce), 'the thread did crash once');
    } finally {
      await host.stop();
    }
  });
});

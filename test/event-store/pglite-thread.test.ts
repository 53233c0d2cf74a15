import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openPgliteClient, type SqlClient, StoreUnavailable } from '@roamledger/event-store';

async function withClient(run: (db: SqlClient) => Promise<void>): Promise<void> {
  const db = await openPgliteClient(undefined);
  try {
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, note text)');
    await run(db);
  } finally {
    await db.close();
  }
}

describe('PGlite in its own thread', () => {
  it("hands back the database's errors with their SQLSTATE, so callers test codes as before", async () => {
    await withClient(async (db) => {
      await db.query('INSERT INTO t VALUES (1, $1)', ['a']);
      const error = await db.query('INSERT INTO t VALUES (1, $1)', ['b']).catch((caught: unknown) => caught);
      assert.ok(error instanceof Error);
      assert.equal((error as { code?: string }).code, '23505');
      assert.match(error.message, /duplicate key/);
      assert.equal((error as { constraint?: string }).constraint, 't_pkey');
    });
  });

  it('keeps values as PGlite gives them: numbers, text, json, timestamps, bytes, null', async () => {
    await withClient(async (db) => {
      const [row] = await db.query<Record<string, unknown>>(
        `SELECT 42::int AS n, 'x\u00e9'::text AS s, '{"a":[1,"b"]}'::jsonb AS j, '2026-03-01T10:00:00Z'::timestamptz AS at,
                '\\x0102'::bytea AS b, NULL::text AS nothing, $1::text AS param`,
        ['\u2028 and \ud83d\ude00'],
      );
      assert.equal(row.n, 42);
      assert.equal(row.s, 'x\u00e9');
      assert.deepEqual(row.j, { a: [1, 'b'] });
      assert.ok(row.at instanceof Date);
      assert.equal((row.at as Date).toISOString(), '2026-03-01T10:00:00.000Z');
      assert.deepEqual([...(row.b as Uint8Array)], [1, 2]);
      assert.equal(row.nothing, null);
      assert.equal(row.param, '\u2028 and \ud83d\ude00');
    });
  });

  it('rolls a transaction back when its work throws, and commits it when the work returns', async () => {
    await withClient(async (db) => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES (1, $1)', ['kept?']);
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.deepEqual(await db.query('SELECT id FROM t'), []);
      const result = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (2, $1)', ['kept']);
        return 'done';
      });
      assert.equal(result, 'done');
      assert.deepEqual(await db.query('SELECT id, note FROM t'), [{ id: 2, note: 'kept' }]);
    });
  });

  it('a failed statement inside a transaction rolls the whole transaction back', async () => {
    await withClient(async (db) => {
      await db.query('INSERT INTO t VALUES (1, $1)', ['first']);
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES (2, $1)', ['second']);
          await tx.query('INSERT INTO t VALUES (1, $1)', ['duplicate']);
        }),
        (error: { code?: string }) => error.code === '23505',
      );
      assert.deepEqual(await db.query('SELECT id FROM t ORDER BY id'), [{ id: 1 }]);
    });
  });

  it('a statement sent while a transaction is open waits for it and never runs inside it', async () => {
    await withClient(async (db) => {
      let outside: Promise<unknown[]> | undefined;
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES (1, $1)', ['uncommitted']);
          outside = db.query('SELECT count(*)::int AS n FROM t');
          await tx.query('SELECT pg_sleep(0.05)');
          throw new Error('roll back');
        }),
        /roll back/,
      );
      // Had it run inside the transaction, it would have seen the uncommitted row.
      assert.deepEqual(await outside, [{ n: 0 }]);
    });
  });

  it('the calling thread keeps serving while a statement runs', async () => {
    await withClient(async (db) => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      try {
        const running = db.query('SELECT pg_sleep(0.5)').then(() => ticks);
        assert.ok((await running) > 0, 'no timer fired while the statement ran: the event loop was blocked');
      } finally {
        clearInterval(timer);
      }
    });
  });

  it('after close (or if the thread dies), a statement is refused as by an unreachable database, never left waiting', async () => {
    const db = await openPgliteClient(undefined);
    await db.close();
    const error = await db.query('SELECT 1').catch((caught: unknown) => caught);
    assert.ok(error instanceof StoreUnavailable, 'answered as an unreachable database: 503 and Retry-After');
    assert.match(error.message, /embedded store's thread stopped/);
  });

  it('an open, idle store does not keep its process alive, and its folder is free again after', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pglite-thread-'));
    try {
      const script = `
        const { openPgliteClient } = require(${JSON.stringify(require.resolve('@roamledger/event-store'))});
        openPgliteClient(process.argv[1]).then((db) => db.query('SELECT 1')).then(() => console.log('opened'));`;
      const run = () =>
        promisify(execFile)(process.execPath, ['-r', path.resolve('tsconfig-paths-dist.js'), '-e', script, dir], {
          timeout: 120_000,
        });
      assert.match((await run()).stdout, /opened/);
      // The lock the first process held went with it: a second process opens the same folder.
      assert.match((await run()).stdout, /opened/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

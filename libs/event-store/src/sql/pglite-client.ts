import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PGliteOptions } from '@electric-sql/pglite';
import { openPgliteThread } from './pglite-thread';
import type { SqlClient } from './sql-client';

/**
 * PGlite's own start parameters, plus a light footprint: PGlite's defaults are a server's
 * (shared_buffers 128 MB, WAL in 16 MB segments kept up to 1 GB), far more than one embedded
 * process writing an append-only log needs.
 */
const START_PARAMS = [
  ...['--single', '-F', '-O', '-j'],
  ...['search_path=public', 'exit_on_error=false', 'log_checkpoints=false', 'max_worker_processes=0'],
  ...['max_parallel_workers=0', 'max_parallel_workers_per_gather=0', 'io_method=sync', 'max_parallel_maintenance_workers=0'],
  ...['shared_buffers=16MB', 'wal_buffers=512kB', 'min_wal_size=2MB', 'max_wal_size=32MB', 'temp_buffers=2MB'],
].flatMap((param) => (param.startsWith('-') ? [param] : ['-c', param]));
const PGLITE_OPTIONS: PGliteOptions = { startParams: START_PARAMS, initDbStartParams: ['--wal-segsize=1'] };

/** Marks a folder as in use by a live process; see lockFolder. */
const LOCK_FILE = 'roamledger.lock';

/** PGlite in a folder (or in memory when dataDir is undefined), in a thread of its own (pglite-thread.ts): the embedded default. */
export async function openPgliteClient(dataDir: string | undefined): Promise<SqlClient> {
  let unlock = () => {};
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    unlock = lockFolder(dataDir);
    try {
      if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await createInChildProcess(dataDir);
    } catch (error) {
      unlock();
      throw error;
    }
  }
  const db = await openPgliteThread(dataDir, PGLITE_OPTIONS).catch((error) => {
    unlock();
    throw error;
  });
  let closed: Promise<void> | undefined;
  return {
    ...db,
    // Once, however often it is asked: a second unlock could release a lock taken since by another opener.
    close() {
      closed ??= db.close().finally(unlock);
      return closed;
    },
  };
}

/** Deletes a PGlite folder no longer used, unless a live process holds it (then throws as opening would). */
export function removePgliteFolder(dataDir: string): void {
  const release = lockFolder(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
  release();
}

/**
 * initdb runs in a short-lived child process: it allocates several hundred MB of WebAssembly
 * memory that this process would otherwise hold until a full garbage collection.
 */
async function createInChildProcess(dataDir: string): Promise<void> {
  // Nothing here uses CREATE DATABASE: dropping the two template databases halves the fixed size.
  const script = `
    const [entry, dir, options] = process.argv.slice(1);
    import(entry).then(async ({ PGlite }) => {
      const db = await PGlite.create(dir, JSON.parse(options));
      await db.query("UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')");
      for (const statement of ['DROP DATABASE template0', 'DROP DATABASE template1', 'CHECKPOINT']) await db.query(statement);
      await db.close();
    }).catch((error) => { console.error(error.message); process.exit(1); });`;
  const entry = require.resolve('@electric-sql/pglite');
  await promisify(execFile)(process.execPath, ['-e', script, entry, dataDir, JSON.stringify(PGLITE_OPTIONS)]).catch(
    (error: { stderr?: string; message: string }) => {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`cannot create the embedded store in ${dataDir}: ${error.stderr?.trim() || error.message}`);
    },
  );
}

/**
 * One process at a time on a PGlite folder: a second one would corrupt it. The lock file names
 * the holder's pid and the folder's real path, so a copy of the folder (taken with its lock file)
 * and a lock left by a killed process do not count.
 */
function lockFolder(dataDir: string): () => void {
  const dir = realpathSync(dataDir);
  const file = path.join(dir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, dir });
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, mine);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const holder = readHolder(file);
      if (holder && holder.dir === dir && isAlive(holder.pid)) {
        throw new Error(
          `the hub is running on this data folder (${dir}, process ${holder.pid}); stop it or audit a copy (stop it, npm run audit -- snapshot <dir>, start it again)`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  const release = () => {
    if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return release;
}

function readHolder(file: string): { pid: number; dir: string } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

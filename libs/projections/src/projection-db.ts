import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { openPgliteClient, openPostgresClient, removePgliteFolder, type SqlClient } from '@roamledger/event-store';

export interface ProjectionDbSettings {
  dataDir: string;
  /** When set, the projection tables live in PostgreSQL (service mode), in `schema`. */
  databaseUrl?: string;
  /**
   * The module's schema, when its tables stay apart from billing's and the catalog's: on PostgreSQL
   * default rl_projections, in the embedded store default public (of DATA_DIR/projections).
   */
  schema?: string;
  /** Told of connection errors outside a query (PostgreSQL only). */
  onConnectionError?: (error: Error) => void;
}

export const PROJECTION_SCHEMA = 'rl_projections';

/**
 * Where projection tables live: PostgreSQL (DATABASE_URL, schema rl_projections) in service mode,
 * otherwise one PGlite folder, DATA_DIR/projections, apart from the event store's, so a rebuild or
 * a long report never holds up appends. Every module of the process that opens that folder shares
 * one PGlite instance (each costs some 40 MB of memory), each in its schema; the instance closes
 * with its last user.
 */
export async function openProjectionDb(settings: ProjectionDbSettings): Promise<SqlClient> {
  if (settings.databaseUrl) {
    return openPostgresClient({
      connectionString: settings.databaseUrl,
      schema: settings.schema ?? PROJECTION_SCHEMA,
      onConnectionError: settings.onConnectionError,
    });
  }
  return openSharedPglite(path.join(settings.dataDir, 'projections'), settings.schema ?? 'public');
}

/** One PGlite session shared by several schemas: each turn sets its schema's search_path first. */
class SharedPglite {
  users = 0;
  private searchPath = 'public';
  private last: Promise<unknown> = Promise.resolve();

  constructor(readonly db: Promise<SqlClient>) {}

  /** Runs `work` alone on the session (PGlite has one), with `schema` first on the search path. */
  run<T>(schema: string, work: (db: SqlClient) => Promise<T>): Promise<T> {
    const turn = this.last.then(async () => {
      const db = await this.db;
      if (this.searchPath !== schema) {
        await db.exec(`SET search_path TO ${schema}`);
        this.searchPath = schema;
      }
      return work(db);
    });
    this.last = turn.catch(() => undefined);
    return turn;
  }
}

const sharedFolders = new Map<string, SharedPglite>();
/** Folders whose instance is closing: the next open waits for it to let go of the folder's lock. */
const closingFolders = new Map<string, Promise<void>>();

async function openSharedPglite(folder: string, schema: string): Promise<SqlClient> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Invalid schema name: ${schema}`);
  const key = path.resolve(folder);
  await closingFolders.get(key);
  let shared = sharedFolders.get(key);
  if (!shared) {
    shared = new SharedPglite(openPgliteClient(key));
    sharedFolders.set(key, shared);
  }
  const session = shared;
  session.users++;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (--session.users > 0) return;
    sharedFolders.delete(key);
    const closing = session.db.then((db) => db.close()).catch(() => undefined);
    closingFolders.set(key, closing);
    await closing;
    if (closingFolders.get(key) === closing) closingFolders.delete(key);
  };
  try {
    if (schema !== 'public') await session.run('public', (db) => db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    query: (sql, params) => session.run(schema, (db) => db.query(sql, params)),
    transaction: (work) => session.run(schema, (db) => db.transaction(work)),
    exec: (sql) => session.run(schema, (db) => db.exec(sql)),
    close,
  };
}

/**
 * A module's projection folder from an earlier layout (its own PGlite instance, before the modules
 * of a process shared DATA_DIR/projections): its tables are rebuilt from the log where they live
 * now, so the folder only takes space. Removed, with a line saying so; a folder a live process
 * still holds is left, with the reason.
 */
export function retireProjectionFolder(dataDir: string, relative: string, projection: string): void {
  const folder = path.join(dataDir, relative);
  if (!existsSync(folder)) return;
  const logger = new Logger('projections');
  try {
    removePgliteFolder(folder);
    const parent = path.resolve(path.dirname(folder));
    if (parent !== path.resolve(dataDir) && readdirSync(parent).length === 0) rmdirSync(parent);
    logger.log(
      `${folder}: an earlier layout's folder of the ${projection} projection, removed; its tables are rebuilt from the log in ${path.join(dataDir, 'projections')}`,
    );
  } catch (error) {
    logger.warn(
      `${folder}: an earlier layout's folder of the ${projection} projection, no longer read, not removed: ${(error as Error).message}`,
    );
  }
}

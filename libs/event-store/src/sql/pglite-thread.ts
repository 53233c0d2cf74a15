import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { PGlite, type PGliteOptions, type Transaction } from '@electric-sql/pglite';
import { StoreUnavailable } from '../store-unavailable';
import type { SqlClient, SqlQuery } from './sql-client';

/**
 * PGlite in a thread of its own. Its WebAssembly runs every statement synchronously, so on the
 * request thread each append, tail read and projection write stopped the event loop for as long as
 * the database worked; here the database works on the second core while the request thread parses,
 * validates and decides the next request. The client speaks SqlClient over messages.
 */

const ROLE = 'roamledger-pglite-thread';

type Request =
  | { id: number; op: 'query'; sql: string; params: unknown[]; tx?: number }
  | { id: number; op: 'queryText' | 'exec'; sql: string }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** A request before it is numbered (Omit over each member of the union). */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

type Reply = { id: number; rows?: unknown[]; tx?: number; error?: SerializedError };

/** A database error as plain fields: SQLSTATE `code` and the rest, so callers test them as before. */
type SerializedError = Record<string, string | number | undefined> & { message: string };

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

/** Opens PGlite on `dataDir` (memory when undefined) in a new thread; resolves once it is ready. */
export async function openPgliteThread(dataDir: string | undefined, options: PGliteOptions): Promise<SqlClient> {
  const worker = new Worker(__filename, { workerData: { role: ROLE, dataDir, options } });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let stopped: Error | undefined;

  // Every later statement fails as an unreachable database does: routes answer 503, health says so.
  const stop = (error: Error) => {
    stopped ??= new StoreUnavailable(error);
    for (const waiter of pending.values()) waiter.reject(stopped);
    pending.clear();
  };
  worker.on('message', (reply: Reply | { ready: true } | { failed: SerializedError }) => {
    if ('ready' in reply || 'failed' in reply) return;
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    // An idle thread keeps no process alive (as PGlite in the request thread never did); a busy one does.
    if (pending.size === 0) worker.unref();
    if (reply.error) waiter.reject(toError(reply.error));
    else waiter.resolve(reply);
  });
  worker.on('error', (error) => stop(new Error(`the embedded store's thread failed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => stop(new Error(`the embedded store's thread stopped (exit code ${code})`)));

  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: { ready?: true; failed?: SerializedError }) => {
      if (message.ready) resolve();
      else if (message.failed) reject(toError(message.failed));
      else return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    const onExit = (code: number) => reject(new Error(`the embedded store's thread stopped while opening (exit code ${code})`));
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  }).catch(async (error) => {
    await worker.terminate();
    throw error;
  });
  worker.unref();

  const ask = (request: Unnumbered<Request>): Promise<Reply> => {
    if (stopped) return Promise.reject(stopped);
    const id = nextId++;
    return new Promise<Reply>((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  };
  const query = async <R>(sql: string, params: unknown[] = [], tx?: number) =>
    (await ask({ op: 'query', sql, params, tx })).rows as R[];

  return {
    query: (sql, params) => query(sql, params),
    async transaction<T>(work: (tx: SqlQuery) => Promise<T>): Promise<T> {
      const { tx } = await ask({ op: 'begin' });
      let result: T;
      try {
        result = await work({ query: (sql, params) => query(sql, params, tx) });
      } catch (error) {
        // The work's error is the answer, even when the rollback cannot be sent (the thread stopped).
        await ask({ op: 'end', tx: tx as number, commit: false }).catch(() => undefined);
        throw error;
      }
      await ask({ op: 'end', tx: tx as number, commit: true });
      return result;
    },
    async queryText<R>(sql: string) {
      return (await ask({ op: 'queryText', sql })).rows as R[];
    },
    async exec(sql: string) {
      await ask({ op: 'exec', sql });
    },
    async close() {
      try {
        if (!stopped) await ask({ op: 'close' });
      } finally {
        stop(new Error("the embedded store's thread stopped (the store was closed)"));
        // Referenced until it has exited, or the process could end with close() still pending.
        worker.ref();
        await worker.terminate();
      }
    },
  };
}

function toError(fields: SerializedError): Error {
  return Object.assign(new Error(fields.message), fields);
}

function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields: SerializedError = { message: error.message, name: error.name };
  // DatabaseError's fields (code, detail, constraint, ...); not the query's text or parameters.
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'query' && (typeof value === 'string' || typeof value === 'number')) fields[key] = value;
  }
  return fields;
}

/** The thread's side: one PGlite, each request answered when PGlite has done it. */
async function serve(dataDir: string | undefined, options: PGliteOptions): Promise<void> {
  const port = parentPort;
  if (!port) return;
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir, options);
  } catch (error) {
    port.postMessage({ failed: serializeError(error) });
    return;
  }
  // An open transaction: its queries, and how to end it (PGlite commits when the callback returns).
  const transactions = new Map<number, { tx: Transaction; end: (commit: boolean) => void; ended: Promise<void> }>();
  let nextTx = 0;
  const fail = (id: number, error: unknown) => port.postMessage({ id, error: serializeError(error) });
  const reply = (id: number, work: () => Promise<Omit<Reply, 'id'>>) =>
    work().then(
      (result) => {
        try {
          port.postMessage({ id, ...result });
        } catch (error) {
          // A value that cannot be copied to the caller fails its statement, not the thread.
          fail(id, error);
        }
      },
      (error) => fail(id, error),
    );

  port.on('message', (request: Request) => {
    switch (request.op) {
      case 'query': {
        const target = request.tx === undefined ? db : transactions.get(request.tx)?.tx;
        if (!target) return void reply(request.id, () => Promise.reject(new Error('no such transaction')));
        return void reply(request.id, async () => ({ rows: (await target.query(request.sql, request.params)).rows }));
      }
      case 'queryText':
        return void reply(request.id, async () => {
          const results = await db.exec(request.sql);
          return { rows: results[results.length - 1]?.rows ?? [] };
        });
      case 'exec':
        return void reply(request.id, async () => {
          await db.exec(request.sql);
          return {};
        });
      case 'begin': {
        const txId = nextTx++;
        const rollback = new Error('rolled back');
        let begun = false;
        // PGlite calls back after its lock is taken and BEGIN ran, never synchronously.
        const ended: Promise<void> = db.transaction(
          (tx) =>
            new Promise<void>((resolve, reject) => {
              begun = true;
              transactions.set(txId, { tx, end: (commit) => (commit ? resolve() : reject(rollback)), ended });
              port.postMessage({ id: request.id, tx: txId });
            }),
        );
        ended.catch((error) => {
          if (!begun) fail(request.id, error);
        });
        return;
      }
      case 'end': {
        const open = transactions.get(request.tx);
        transactions.delete(request.tx);
        if (!open) return void reply(request.id, () => Promise.reject(new Error('no such transaction')));
        open.end(request.commit);
        return void reply(request.id, async () => {
          // A rollback asked for is not an error; a commit that fails is.
          await open.ended.catch((error) => {
            if (request.commit) throw error;
          });
          return {};
        });
      }
      case 'close':
        return void reply(request.id, async () => {
          await db.close();
          return {};
        });
    }
  });
  port.postMessage({ ready: true });
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE) {
  const { dataDir, options } = workerData as { dataDir: string | undefined; options: PGliteOptions };
  void serve(dataDir, options);
}

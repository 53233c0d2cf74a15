import { Client, Pool, types } from 'pg';
import { rethrowUnavailable } from '../store-unavailable';
import type { SqlClient, SqlQuery } from './sql-client';

// bigint columns (positions, revisions) come back as strings by default; they fit in a double.
types.setTypeParser(types.builtins.INT8, (value) => Number(value));

export interface PostgresClientOptions {
  connectionString: string;
  /** Schema to create and use (tests isolate themselves in one schema each). */
  schema?: string;
  maxConnections?: number;
  /** Told of connection errors the pool or a LISTEN connection meets outside a query (a killed backend, a restart). */
  onConnectionError?: (error: Error) => void;
}

/** Shows in pg_stat_activity; operators (and the connection-kill test) find the hub's connections by it. */
export const POSTGRES_APPLICATION_NAME = 'roamledger';
const LISTEN_RETRY_MS = [100, 250, 500, 1000, 2000, 5000];

export async function openPostgresClient(options: PostgresClientOptions): Promise<SqlClient> {
  const schema = options.schema;
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Invalid schema name: ${schema}`);
  const onConnectionError = options.onConnectionError ?? (() => undefined);
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    options: schema ? `-c search_path=${schema}` : undefined,
    application_name: POSTGRES_APPLICATION_NAME,
    // A database that does not answer fails the request (503) instead of holding it forever.
    connectionTimeoutMillis: 5_000,
  });
  // An idle connection whose backend dies emits 'error' on the pool: unhandled, it would end the process.
  pool.on('error', (error) => onConnectionError(error));
  if (schema) {
    // Two clients creating one schema at once (a hub opening its projection stores side by side,
    // two services starting on a fresh database): IF NOT EXISTS still lets one of them fail on
    // the catalog's unique index; the schema is there all the same.
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch((error: { code?: string }) => {
      if (error.code !== '23505' && error.code !== '42P06') throw error;
    });
  }
  // Each LISTEN connection, tracked from before it connects, so close() ends it even mid-connect.
  const listeners: Array<{ client: Client; ready: Promise<unknown> }> = [];
  /** Set by close(): LISTEN connections are not opened again after it. */
  let closed: Promise<void> | undefined;
  const reconnects = new Set<NodeJS.Timeout>();
  return {
    async listen(channel: string, onNotify: (payload?: string) => void) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Invalid channel name: ${channel}`);
      // LISTEN needs a connection of its own, held for the client's lifetime, and opened again
      // whenever it is lost (notifications sent meanwhile are lost too: listeners are woken once).
      const connect = (attempt: number): Promise<void> => {
        const client = new Client({ connectionString: options.connectionString, application_name: POSTGRES_APPLICATION_NAME });
        client.on('notification', (message) => onNotify(message.payload));
        const ready = client.connect().then(() => client.query(`LISTEN ${channel}`));
        const entry = { client, ready: ready.catch(() => undefined) };
        listeners.push(entry);
        let lost = false;
        const reconnect = (error?: Error) => {
          if (lost || closed) return;
          lost = true;
          if (error) onConnectionError(error);
          listeners.splice(listeners.indexOf(entry), 1);
          client.end().catch(() => undefined);
          const timer = setTimeout(
            () => {
              reconnects.delete(timer);
              if (!closed) connect(attempt + 1).catch(() => undefined);
            },
            LISTEN_RETRY_MS[Math.min(attempt, LISTEN_RETRY_MS.length - 1)],
          );
          reconnects.add(timer);
        };
        client.on('error', reconnect);
        client.on('end', () => reconnect());
        return ready.then(
          () => {
            // Appends made while it was down sent notifications nobody heard.
            if (attempt > 0) onNotify();
            attempt = 0;
          },
          (error) => {
            // The first attempt tells the caller (who falls back to polling); later ones keep trying.
            if (attempt > 0) reconnect(error);
            else {
              lost = true;
              listeners.splice(listeners.indexOf(entry), 1);
              client.end().catch(() => undefined);
            }
            throw error;
          },
        );
      };
      await connect(0);
    },
    async query<R>(sql: string, params: unknown[] = []) {
      const result = await pool.query(sql, params).catch(rethrowUnavailable);
      return result.rows as R[];
    },
    async transaction<T>(work: (tx: SqlQuery) => Promise<T>) {
      const connection = await pool.connect().catch(rethrowUnavailable);
      // A checked-out client has no pool listener: its connection dying between two queries
      // would be an unhandled 'error'. The next query fails anyway; the client is then discarded.
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken = error;
        onConnectionError(error);
      };
      connection.on('error', onError);
      try {
        await connection.query('BEGIN');
        const result = await work({
          async query<R>(sql: string, params: unknown[] = []) {
            return (await connection.query(sql, params)).rows as R[];
          },
        });
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => undefined);
        rethrowUnavailable(error);
      } finally {
        connection.off('error', onError);
        connection.release(broken);
      }
    },
    async exec(sql: string) {
      await pool.query(sql).catch(rethrowUnavailable);
    },
    // Once, however often it is asked (two modules sharing the client, a shutdown run twice):
    // pg's pool throws on a second end().
    close() {
      closed ??= (async () => {
        for (const timer of reconnects) clearTimeout(timer);
        await Promise.all(
          listeners.map(async ({ client, ready }) => {
            await ready;
            await client.end().catch(() => undefined);
          }),
        );
        await pool.end();
      })();
      return closed;
    },
  };
}

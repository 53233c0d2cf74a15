import { Client, Pool, types } from 'pg';
import type { SqlClient, SqlQuery } from './sql-client';

// bigint columns (positions, revisions) come back as strings by default; they fit in a double.
types.setTypeParser(types.builtins.INT8, (value) => Number(value));

export interface PostgresClientOptions {
  connectionString: string;
  /** Schema to create and use (tests isolate themselves in one schema each). */
  schema?: string;
  maxConnections?: number;
}

export async function openPostgresClient(options: PostgresClientOptions): Promise<SqlClient> {
  const schema = options.schema;
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Invalid schema name: ${schema}`);
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    options: schema ? `-c search_path=${schema}` : undefined,
  });
  if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  // Each LISTEN connection, tracked from before it connects, so close() ends it even mid-connect.
  const listeners: Array<{ client: Client; ready: Promise<unknown> }> = [];
  return {
    async listen(channel: string, onNotify: () => void) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Invalid channel name: ${channel}`);
      // LISTEN needs a connection of its own, held for the client's lifetime.
      const client = new Client({ connectionString: options.connectionString });
      client.on('notification', () => onNotify());
      client.on('error', () => undefined);
      const ready = client.connect().then(() => client.query(`LISTEN ${channel}`));
      listeners.push({ client, ready: ready.catch(() => undefined) });
      await ready;
    },
    async query<R>(sql: string, params: unknown[] = []) {
      const result = await pool.query(sql, params);
      return result.rows as R[];
    },
    async transaction<T>(work: (tx: SqlQuery) => Promise<T>) {
      const connection = await pool.connect();
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
        throw error;
      } finally {
        connection.release();
      }
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async close() {
      await Promise.all(
        listeners.map(async ({ client, ready }) => {
          await ready;
          await client.end().catch(() => undefined);
        }),
      );
      await pool.end();
    },
  };
}

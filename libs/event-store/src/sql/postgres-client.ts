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
  const listeners: Client[] = [];
  return {
    async listen(channel: string, onNotify: () => void) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Invalid channel name: ${channel}`);
      // LISTEN needs a connection of its own, held for the client's lifetime.
      const listener = new Client({ connectionString: options.connectionString });
      listener.on('notification', () => onNotify());
      listener.on('error', () => undefined);
      await listener.connect();
      await listener.query(`LISTEN ${channel}`);
      listeners.push(listener);
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
      await Promise.all(listeners.map((listener) => listener.end().catch(() => undefined)));
      await pool.end();
    },
  };
}

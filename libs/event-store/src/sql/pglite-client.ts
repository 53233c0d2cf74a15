import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { SqlClient, SqlQuery } from './sql-client';

/** PGlite in a folder (or in memory when dataDir is undefined): the embedded default. */
export async function openPgliteClient(dataDir: string | undefined): Promise<SqlClient> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  return {
    async query<R>(sql: string, params: unknown[] = []) {
      const result = await db.query<R>(sql, params);
      return result.rows;
    },
    async transaction<T>(work: (tx: SqlQuery) => Promise<T>) {
      return db.transaction(async (tx) =>
        work({
          async query<R>(sql: string, params: unknown[] = []) {
            return (await tx.query<R>(sql, params)).rows;
          },
        }),
      );
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    async close() {
      await db.close();
    },
  };
}

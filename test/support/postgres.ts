import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The PostgreSQL every machine here runs; CI starts it when it is down. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A fresh schema name, so suites never see each other's tables. */
export function freshSchemaName(prefix = 'rl_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

import { createHash } from 'node:crypto';
import type { SqlClient } from '@roamledger/event-store';
import { projectionPosition } from './builds';
import type { Projection, SqlQuery } from './projection';
import { identifier } from './table-sql';

export interface TableDigest {
  table: string;
  rows: number;
  /** Hex sha256 over the rows: see digestTable. */
  sha256: string;
}

export interface ProjectionDigest {
  projection: string;
  version: number;
  /** The log position the digested rows were built to. */
  position: number;
  tables: TableDigest[];
}

const PAGE = 2000;

/**
 * sha256 over every row of `relation` (a table or a view), one line per row:
 * `to_jsonb(row)::text` + "\n", rows sorted by that text in byte order (COLLATE "C"), in a
 * REPEATABLE READ snapshot with TimeZone UTC. The same rows give the same digest on PostgreSQL and
 * PGlite, whatever the physical row order or the session settings.
 */
export async function digestTable(db: SqlClient, relation: string): Promise<TableDigest> {
  return db.transaction(async (tx) => {
    await snapshot(tx);
    return digestIn(tx, relation);
  });
}

/** The digests of every table of a projection's active build, and its position, from one snapshot. */
export async function digestProjection(db: SqlClient, projection: Projection): Promise<ProjectionDigest> {
  return db.transaction(async (tx) => {
    await snapshot(tx);
    const position = await projectionPosition(tx, projection.name);
    const tables: TableDigest[] = [];
    for (const table of projection.tables) tables.push(await digestIn(tx, table.name));
    return { projection: projection.name, version: projection.version, position, tables };
  });
}

async function snapshot(tx: SqlQuery): Promise<void> {
  // Must be the first statement of the transaction.
  await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await tx.query("SET LOCAL TimeZone = 'UTC'");
}

async function digestIn(tx: SqlQuery, relation: string): Promise<TableDigest> {
  const cursor = `rl_digest_${identifier(relation)}`;
  await tx.query(
    `DECLARE ${cursor} NO SCROLL CURSOR FOR
       SELECT r FROM (SELECT to_jsonb(t)::text AS r FROM ${identifier(relation)} t) s ORDER BY r COLLATE "C"`,
  );
  const hash = createHash('sha256');
  let rows = 0;
  for (;;) {
    const page = await tx.query<{ r: string }>(`FETCH ${PAGE} FROM ${cursor}`);
    for (const row of page) hash.update(`${row.r}\n`, 'utf8');
    rows += page.length;
    if (page.length < PAGE) break;
  }
  await tx.query(`CLOSE ${cursor}`);
  return { table: relation, rows, sha256: hash.digest('hex') };
}

import { isoTimestampSql } from '@roamledger/event-store';
import type { ProjectionColumn, ProjectionTable, SqlQuery } from './projection';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Projection, table and column names go into SQL text: only plain lower-case identifiers pass. */
export function identifier(name: string): string {
  if (!IDENTIFIER.test(name) || name.length > 50) throw new Error(`Not a plain SQL identifier: ${JSON.stringify(name)}`);
  return name;
}

/** A row as read back and written: text for numeric/bigint/timestamptz (ISO 8601 UTC, ms), so nothing is lost in JS. */
export type Row = Record<string, string | string[] | number | boolean | null>;

export function createTableSql(table: ProjectionTable, physical: string): string {
  const columns = table.columns.map((column) => `${identifier(column.name)} ${column.type}${column.required ? ' NOT NULL' : ''}`);
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${physical} (${columns.join(', ')}, PRIMARY KEY (${table.primaryKey.map(identifier).join(', ')}))`,
  ];
  (table.indexes ?? []).forEach((index, i) => {
    statements.push(`CREATE INDEX IF NOT EXISTS ${physical}_i${i} ON ${physical} (${index.map(identifier).join(', ')})`);
  });
  return `${statements.join(';\n')};`;
}

/** How a column is selected so that every driver hands back the same JS value. */
function readExpression(column: ProjectionColumn, alias: string): string {
  const name = `${alias}.${column.name}`;
  switch (column.type) {
    case 'numeric':
    case 'bigint':
      return `${name}::text AS ${column.name}`;
    case 'timestamptz':
      return `${isoTimestampSql(name)} AS ${column.name}`;
    default:
      return `${name} AS ${column.name}`;
  }
}

export function selectList(table: ProjectionTable, alias = 't'): string {
  return table.columns.map((column) => readExpression(column, alias)).join(', ');
}

function recordsetColumns(columns: readonly ProjectionColumn[]): string {
  return columns.map((column) => `${column.name} ${column.type}`).join(', ');
}

/** Rows whose `by` columns (default: the primary key) equal those of one of `keys`. */
export interface RowLookup {
  keys: Row[];
  by?: readonly string[];
}

/**
 * Parameters of one statement built from parts: each part adds its values and gets their `$n`.
 * A rebuild's time goes to round trips; composing parts keeps a batch at a few statements.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** A SELECT of the rows found by `lookups` (UNION ALL: a row found twice comes twice), or undefined when there are no keys. */
export function lookupSql(table: ProjectionTable, physical: string, params: SqlParams, lookups: RowLookup[]): string | undefined {
  const parts: string[] = [];
  for (const lookup of lookups) {
    if (lookup.keys.length === 0) continue;
    const by = lookup.by ?? table.primaryKey;
    const keyColumns = by.map((name) => column(table, name));
    const join = keyColumns.map((c) => `t.${c.name} = k.${c.name}`).join(' AND ');
    // A batch names the same row many times (one session, a hundred meter updates): send each key once.
    const distinct = new Map<string, Row>();
    for (const key of lookup.keys) {
      distinct.set(by.map((name) => key[name]).join('\u0000'), Object.fromEntries(by.map((name) => [name, key[name]])));
    }
    const keys = params.add(JSON.stringify([...distinct.values()]));
    // One index probe per key: a hash join would scan the whole table every batch, and the
    // planner picks one whenever it can flatten the subquery (OFFSET 0 keeps it from doing so).
    parts.push(
      `SELECT t.* FROM json_to_recordset(${keys}::json) AS k(${recordsetColumns(keyColumns)})
         CROSS JOIN LATERAL (SELECT ${selectList(table)} FROM ${physical} t WHERE ${join} OFFSET 0) t`,
    );
  }
  return parts.length ? parts.join('\nUNION ALL\n') : undefined;
}

/** The rows of `physical` found by `lookups`, in one statement. */
export async function loadRows(db: SqlQuery, table: ProjectionTable, physical: string, ...lookups: RowLookup[]): Promise<Row[]> {
  const params = new SqlParams();
  const sql = lookupSql(table, physical, params, lookups);
  return sql ? db.query<Row>(sql, params.values) : [];
}

/**
 * Several lookups, on several tables, in one round trip: each comes back as a JSON array whose
 * values are those loadRows would give (numbers and times are already text).
 */
export async function loadRowSets(
  db: SqlQuery,
  sets: Array<{ table: ProjectionTable; physical: string; lookups: RowLookup[] }>,
): Promise<Row[][]> {
  const params = new SqlParams();
  const columns = sets.map((set, i) => {
    const sql = lookupSql(set.table, set.physical, params, set.lookups);
    return sql ? `(SELECT coalesce(json_agg(r), '[]'::json) FROM (${sql}) r) AS set${i}` : `'[]'::json AS set${i}`;
  });
  if (params.values.length === 0) return sets.map(() => []);
  const [row] = await db.query<Record<string, Row[] | string>>(`SELECT ${columns.join(', ')}`, params.values);
  return sets.map((_, i) => {
    const value = row[`set${i}`];
    return typeof value === 'string' ? (JSON.parse(value) as Row[]) : value;
  });
}

/** The rows of `physical` matching `where` (SQL on alias `t`, with $1.. parameters). */
export async function selectRows(
  db: SqlQuery,
  table: ProjectionTable,
  physical: string,
  where: string,
  params: unknown[],
): Promise<Row[]> {
  return db.query<Row>(`SELECT ${selectList(table)} FROM ${physical} t WHERE ${where}`, params);
}

/**
 * A text[] as PostgreSQL's array literal (`{"a","b\\"c"}`), or the value unchanged when it is not an
 * array of strings (and nulls). json_to_recordset turns a JSON array into text[] several times
 * slower than it reads the literal (a rebuild's write was mostly that); the rows are the same.
 */
export function textArrayLiteral(value: Row[string]): Row[string] {
  if (!Array.isArray(value)) return value;
  let literal = '{';
  for (let i = 0; i < value.length; i++) {
    const element: unknown = value[i];
    if (i > 0) literal += ',';
    if (element === null) literal += 'NULL';
    else if (typeof element === 'string') literal += `"${element.replace(/["\\]/g, '\\$&')}"`;
    else return value;
  }
  return `${literal}}`;
}

/** The rows as json_to_recordset's argument, text[] columns as array literals (see textArrayLiteral). */
export function recordsetJson(columns: readonly ProjectionColumn[], rows: readonly Row[]): string {
  const arrays = columns.filter((column) => column.type === 'text[]').map((column) => column.name);
  if (arrays.length === 0) return JSON.stringify(rows);
  return JSON.stringify(
    rows.map((row) => {
      const copy = { ...row };
      for (const name of arrays) if (name in copy) copy[name] = textArrayLiteral(copy[name]);
      return copy;
    }),
  );
}

/** An INSERT that adds or replaces whole rows, or undefined for no rows. */
export function upsertSql(table: ProjectionTable, physical: string, params: SqlParams, rows: Row[]): string | undefined {
  if (rows.length === 0) return undefined;
  const names = table.columns.map((c) => c.name);
  const updates = names.filter((name) => !table.primaryKey.includes(name)).map((name) => `${name} = EXCLUDED.${name}`);
  return `INSERT INTO ${physical} (${names.join(', ')})
     SELECT ${names.join(', ')} FROM json_to_recordset(${params.add(recordsetJson(table.columns, rows))}::json) AS r(${recordsetColumns(table.columns)})
     ON CONFLICT (${table.primaryKey.join(', ')}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`;
}

/** Inserts or replaces whole rows, in one statement. */
export async function upsertRows(db: SqlQuery, table: ProjectionTable, physical: string, rows: Row[]): Promise<void> {
  const params = new SqlParams();
  const sql = upsertSql(table, physical, params, rows);
  if (sql) await db.query(sql, params.values);
}

/**
 * Runs data-modifying statements (INSERT/UPDATE/DELETE on different tables, built on one
 * SqlParams) as one statement: all but the last become WITH parts, which PostgreSQL runs to
 * completion whether read or not.
 */
export async function writeAll(db: SqlQuery, params: SqlParams, statements: Array<string | undefined>): Promise<void> {
  const parts = statements.filter((statement): statement is string => statement !== undefined);
  if (parts.length === 0) return;
  const last = parts.pop() as string;
  const sql = parts.length ? `WITH ${parts.map((part, i) => `w${i} AS (${part})`).join(',\n')}\n${last}` : last;
  await db.query(sql, params.values);
}

function column(table: ProjectionTable, name: string): ProjectionColumn {
  const found = table.columns.find((c) => c.name === name);
  if (!found) throw new Error(`${table.name} has no column ${name}`);
  return found;
}

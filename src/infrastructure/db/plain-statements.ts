import { CompiledQuery, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { Dialect } from './connection.js';
import type { Database } from './schema.js';

/**
 * The write path's plain inserts and updates, compiled straight to SQL text. Kysely builds a tree
 * of frozen nodes for every statement and then walks it to print the SQL: building and compiling
 * was a fifth of the embedded service's busy time in the bench profile (docs/benchmarks.md), and
 * most of an order's ~45 statements are these two plain shapes. Anything else (an upsert, an
 * expression, rows whose columns differ) is still built with Kysely.
 */
export type TableName = keyof Database & string;

/** `insert into table (columns) values (…), (…)`; no rows is no statement. */
export function compileInsert<T extends TableName>(
  db: Kysely<Database>,
  dialect: Dialect,
  table: T,
  rows: readonly Insertable<Database[T]>[],
): CompiledQuery | undefined {
  const [first] = rows;
  if (!first) return undefined;
  // Kysely leaves out a column that is undefined, and fills a column that only some rows set with
  // its DEFAULT; rows that differ so are left to it.
  const columns = definedKeys(first);
  if (!rows.every((row) => sameColumns(row, columns))) return db.insertInto(table).values(rows).compile();
  const quote = quoter(dialect);
  const placeholders = `(${columns.map(() => '?').join(', ')})`;
  return CompiledQuery.raw(
    `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${rows.map(() => placeholders).join(', ')}`,
    rows.flatMap((row) => columns.map((column) => columnValue(row, column))),
  );
}

/** `update table set column = ?, … where column = ? and …`: equality conditions only. */
export function compileUpdate<T extends TableName>(
  dialect: Dialect,
  table: T,
  changes: Updateable<Database[T]>,
  where: Updateable<Database[T]>,
): CompiledQuery {
  const quote = quoter(dialect);
  const set = definedKeys(changes);
  const matched = definedKeys(where);
  if (set.length === 0 || matched.length === 0) {
    throw new Error(`an update of ${table} needs something to set and something to match`);
  }
  return CompiledQuery.raw(
    `update ${quote(table)} set ${set.map((column) => `${quote(column)} = ?`).join(', ')} where ${matched
      .map((column) => `${quote(column)} = ?`)
      .join(' and ')}`,
    [
      ...set.map((column) => columnValue(changes, column)),
      ...matched.map((column) => columnValue(where, column)),
    ],
  );
}

/** Identifiers come from the schema's types, never from a request; quoted as Kysely does. */
const quoter = (dialect: Dialect) =>
  dialect === 'mysql'
    ? (name: string) => `\`${name.replaceAll('`', '``')}\``
    : (name: string) => `"${name.replaceAll('"', '""')}"`;

const definedKeys = (row: object): string[] =>
  Object.keys(row).filter((key) => (row as Record<string, unknown>)[key] !== undefined);

const columnValue = (row: object, column: string): unknown => (row as Record<string, unknown>)[column];

function sameColumns(row: object, columns: readonly string[]): boolean {
  return (
    definedKeys(row).length === columns.length &&
    columns.every((column) => columnValue(row, column) !== undefined)
  );
}

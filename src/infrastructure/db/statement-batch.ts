import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { Dialect } from './connection.js';
import type { Database } from './schema.js';

/**
 * The writes a transaction makes once its reads are done, sent together. On MySQL they go as one
 * multi-statement query: one round trip instead of one per statement. In the bench's saturation
 * profile a third of the service's busy time was socket writes, one per statement; a saga step
 * ends with up to ten writes whose results nothing reads. MariaDB runs the statements in order
 * and stops at the first error, which fails the batch and so rolls back the transaction.
 */
export interface StatementBatch {
  /**
   * Queues a write. `expect` sees the rows it affected once the batch has run; throwing there
   * fails the batch (an optimistic lock that matched nothing).
   */
  add(query: Compilable, expect?: (affectedRows: number) => void): void;
  /** Sends what is queued, in the order it was queued. */
  run(): Promise<void>;
}

interface Queued {
  query: CompiledQuery;
  expect: ((affectedRows: number) => void) | undefined;
}

export function statementBatch(db: Kysely<Database>, dialect: Dialect): StatementBatch {
  let queued: Queued[] = [];
  return {
    add(query, expect) {
      queued.push({ query: query.compile(), expect });
    },
    async run() {
      const batch = queued;
      queued = [];
      // SQLite runs in-process: there is no round trip to save.
      if (dialect === 'sqlite' || batch.length === 1) {
        for (const { query, expect } of batch) {
          const result = await db.executeQuery(query);
          expect?.(Number(result.numAffectedRows ?? 0));
        }
        return;
      }
      if (batch.length === 0) return;
      const { rows } = await db.executeQuery<{ affectedRows: number }>(
        CompiledQuery.raw(
          batch.map(({ query }) => query.sql).join(';\n'),
          batch.flatMap(({ query }) => query.parameters),
        ),
      );
      // mysql2 answers a multi-statement query with one result header per statement.
      for (const [index, { expect }] of batch.entries()) expect?.(Number(rows[index]?.affectedRows ?? 0));
    },
  };
}

/**
 * Runs reads one after another on the caller's connection and returns each one's rows, as one
 * multi-statement query on MySQL: a transaction that must read several tables before it can
 * decide pays one round trip for them.
 */
export async function readTogether(
  db: Kysely<Database>,
  dialect: Dialect,
  queries: readonly Compilable[],
): Promise<unknown[][]> {
  const compiled = queries.map((query) => query.compile());
  if (dialect === 'sqlite' || compiled.length === 1) {
    const results: unknown[][] = [];
    for (const query of compiled) results.push([...(await db.executeQuery(query)).rows]);
    return results;
  }
  const { rows } = await db.executeQuery(
    CompiledQuery.raw(
      compiled.map((query) => query.sql).join(';\n'),
      compiled.flatMap((query) => query.parameters),
    ),
  );
  // mysql2 answers a multi-statement query with one row list per statement.
  return rows as unknown[][];
}

import { type Compilable, CompiledQuery, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { Dialect } from './connection.js';
import { markMultiStatement } from './pipelined-transactions.js';
import { compileInsert, compileUpdate, type TableName } from './plain-statements.js';
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
  /** Queues an insert of `rows` (none: nothing), compiled without the query builder (plain-statements.ts). */
  insert<T extends TableName>(table: T, rows: readonly Insertable<Database[T]>[]): void;
  /** Queues `update table set changes where` each column of `where` equals its value, as `add` does. */
  update<T extends TableName>(
    table: T,
    changes: Updateable<Database[T]>,
    where: Updateable<Database[T]>,
    expect?: (affectedRows: number) => void,
  ): void;
  /**
   * Whether the transaction's COMMIT can go with these writes: on MySQL, when something is queued
   * and no write's outcome is still to be checked (a check after COMMIT would come too late).
   */
  canCommit(): boolean;
  /**
   * Sends what is queued, in the order it was queued. With `commit` (only where `canCommit()`),
   * the transaction's COMMIT goes with it (pipelined-transactions.ts), and the caller must do
   * nothing more in the transaction.
   */
  run(options?: { commit?: boolean }): Promise<void>;
}

interface Queued {
  query: CompiledQuery;
  expect: ((affectedRows: number) => void) | undefined;
}

export function statementBatch(db: Kysely<Database>, dialect: Dialect): StatementBatch {
  let queued: Queued[] = [];
  const canCommit = () =>
    dialect === 'mysql' && queued.length > 0 && queued.every(({ expect }) => expect === undefined);
  return {
    add(query, expect) {
      queued.push({ query: query.compile(), expect });
    },
    insert(table, rows) {
      const query = compileInsert(db, dialect, table, rows);
      if (query) queued.push({ query, expect: undefined });
    },
    update(table, changes, where, expect) {
      queued.push({ query: compileUpdate(dialect, table, changes, where), expect });
    },
    canCommit,
    async run({ commit = false } = {}) {
      if (commit && !canCommit()) throw new Error('these writes cannot carry the COMMIT');
      const batch = queued;
      queued = [];
      const results = await sendTogether(
        db,
        dialect,
        batch.map(({ query }) => query),
        { commit },
      );
      for (const [index, { expect }] of batch.entries()) expect?.(results[index]?.affectedRows ?? 0);
    },
  };
}

/**
 * Writes whose outcome a transaction needs before it goes on (a claim: the inbox row of a
 * message), held back so they travel ahead of its next read: on MySQL, one round trip for both.
 * A write that no read takes within the same turn of the event loop goes alone, so waiting on
 * one before reading is slower, never wrong.
 */
export interface WritesAhead {
  /** Queues `query`; resolves with the rows it affected once it has run. */
  add(query: Compilable): Promise<number>;
  /** Takes what is queued, for readTogether to send first. */
  take(): AheadWrite[];
}

interface AheadWrite {
  query: CompiledQuery;
  settle(outcome: { affectedRows: number } | { error: unknown }): void;
}

export function writesAhead(db: Kysely<Database>, dialect: Dialect): WritesAhead {
  let queued: AheadWrite[] = [];
  const take = () => {
    const taken = queued;
    queued = [];
    return taken;
  };
  return {
    add(query) {
      return new Promise((resolve, reject) => {
        queued.push({
          query: query.compile(),
          settle: (outcome) => ('error' in outcome ? reject(outcome.error) : resolve(outcome.affectedRows)),
        });
        // A read started in this same turn takes it first; otherwise it goes alone (a failure
        // reaches the caller through its promise, settled by sendAhead).
        if (queued.length === 1) {
          queueMicrotask(() => sendAhead(db, dialect, take(), []).catch(() => undefined));
        }
      });
    },
    take,
  };
}

/**
 * Runs reads one after another on the caller's connection and returns each one's rows, as one
 * multi-statement query on MySQL: a transaction that must read several tables before it can
 * decide pays one round trip for them. Writes queued on `ahead` go first, in the same query.
 */
export async function readTogether(
  db: Kysely<Database>,
  dialect: Dialect,
  queries: readonly Compilable[],
  ahead?: WritesAhead,
): Promise<unknown[][]> {
  const results = await sendAhead(
    db,
    dialect,
    ahead?.take() ?? [],
    queries.map((query) => query.compile()),
  );
  return results.map(({ rows }) => rows);
}

/** Sends `writes` and then `reads` together; settles each write and returns the reads' results. */
async function sendAhead(
  db: Kysely<Database>,
  dialect: Dialect,
  writes: readonly AheadWrite[],
  reads: readonly CompiledQuery[],
): Promise<Array<{ rows: unknown[]; affectedRows: number }>> {
  try {
    const results = await sendTogether(db, dialect, [...writes.map(({ query }) => query), ...reads]);
    for (const [index, write] of writes.entries()) {
      write.settle({ affectedRows: results[index]?.affectedRows ?? 0 });
    }
    return results.slice(writes.length);
  } catch (error) {
    for (const write of writes) write.settle({ error });
    throw error;
  }
}

/**
 * Each statement's rows and affected-row count, in the order sent. With `commit`, the COMMIT is
 * asked to go along (MySQL only).
 */
async function sendTogether(
  db: Kysely<Database>,
  dialect: Dialect,
  queries: readonly CompiledQuery[],
  { commit = false } = {},
): Promise<Array<{ rows: unknown[]; affectedRows: number }>> {
  // SQLite runs in-process: there is no round trip to save.
  if (dialect === 'sqlite' || (queries.length <= 1 && !commit)) {
    const results: Array<{ rows: unknown[]; affectedRows: number }> = [];
    for (const query of queries) {
      const result = await db.executeQuery(query);
      results.push({ rows: [...result.rows], affectedRows: Number(result.numAffectedRows ?? 0) });
    }
    return results;
  }
  const { rows } = await db.executeQuery(
    markMultiStatement(
      CompiledQuery.raw(
        queries.map((query) => query.sql).join(';\n'),
        queries.flatMap((query) => query.parameters),
      ),
      { commit },
    ),
  );
  // mysql2 answers a multi-statement query with one entry per statement: a select's rows, or the
  // result header of a write.
  return (rows as unknown[]).map((entry) =>
    Array.isArray(entry)
      ? { rows: entry, affectedRows: 0 }
      : { rows: [], affectedRows: Number((entry as { affectedRows?: number }).affectedRows ?? 0) },
  );
}

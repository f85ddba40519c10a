import { CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type QueryResult } from 'kysely';
import { withDriver, wrapConnections } from './wrapped-driver.js';

/** Queries that are several statements (statement-batch.ts): their result is one entry per statement. */
const multiStatement = new WeakSet<CompiledQuery>();
/** Multi-statement queries that end their transaction: the COMMIT may go with them. */
const closing = new WeakSet<CompiledQuery>();

export function markMultiStatement(query: CompiledQuery, options: { commit?: boolean } = {}): CompiledQuery {
  multiStatement.add(query);
  if (options.commit) closing.add(query);
  return query;
}

/**
 * A MySQL dialect whose BEGIN travels with the transaction's first statement, and whose COMMIT
 * with its closing writes when they are marked so, as one multi-statement query (the pool sets
 * `multipleStatements`): Kysely otherwise sends each alone. At 50 orders/s BEGIN was one round
 * trip of the ~25 an order cost, five per order; COMMIT was a third of a saga step's. MariaDB
 * stops a multi-statement query at its first error, so a failed write never reaches the COMMIT
 * behind it and the transaction is rolled back as before. A transaction that runs no statement
 * sends neither BEGIN nor COMMIT. Transactions with an isolation level or access mode of their
 * own begin as Kysely does.
 */
export function pipelinedTransactions(dialect: Dialect): Dialect {
  return withDriver(dialect, pipeliningDriver);
}

function pipeliningDriver(driver: Driver): Driver {
  /** Connections whose transaction has begun for Kysely but not yet on the server. */
  const pending = new WeakSet<DatabaseConnection>();
  /** Connections whose transaction committed with its closing writes, before Kysely asks. */
  const committed = new WeakSet<DatabaseConnection>();
  // Once out of `pending`, a connection sends what it is given as it is.
  const beginNow = async (connection: DatabaseConnection) => {
    if (pending.delete(connection)) await connection.executeQuery(CompiledQuery.raw('begin'));
  };

  const wrapping = wrapConnections(driver, (connection) => {
    const wrapper: DatabaseConnection = {
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        const begin = pending.delete(wrapper);
        const commit = closing.has(query);
        if (!begin && !commit) return connection.executeQuery<R>(query);
        const { rows } = await connection.executeQuery(
          CompiledQuery.raw(`${begin ? 'begin;\n' : ''}${query.sql}${commit ? ';\ncommit' : ''}`, [
            ...query.parameters,
          ]),
        );
        const results = (rows as unknown[]).slice(begin ? 1 : 0, commit ? -1 : undefined);
        if (commit) committed.add(wrapper);
        if (multiStatement.has(query)) return { rows: results as R[] };
        return singleResult<R>(results[0]);
      },
      async *streamQuery<R>(query: CompiledQuery, chunkSize?: number) {
        await beginNow(wrapper);
        yield* connection.streamQuery<R>(query, chunkSize);
      },
    };
    return wrapper;
  });

  return {
    ...wrapping,
    async beginTransaction(connection, settings) {
      if (settings.isolationLevel || settings.accessMode)
        return wrapping.beginTransaction(connection, settings);
      pending.add(connection);
    },
    async commitTransaction(connection) {
      if (pending.delete(connection) || committed.delete(connection)) return;
      await wrapping.commitTransaction(connection);
    },
    async rollbackTransaction(connection) {
      // After its COMMIT there is nothing left to roll back.
      if (pending.delete(connection) || committed.delete(connection)) return;
      await wrapping.rollbackTransaction(connection);
    },
    ...(wrapping.savepoint && {
      savepoint: async (connection, name, compile) => {
        await beginNow(connection);
        await wrapping.savepoint?.(connection, name, compile);
      },
    }),
    releaseConnection: (connection) => {
      pending.delete(connection);
      committed.delete(connection);
      return wrapping.releaseConnection(connection);
    },
  };
}

/** What Kysely's MySQL driver makes of one statement's answer: rows, or an OK packet's counts. */
function singleResult<R>(result: unknown): QueryResult<R> {
  if (Array.isArray(result)) return { rows: result as R[] };
  const { insertId, affectedRows, changedRows } = (result ?? {}) as {
    insertId?: number | string;
    affectedRows?: number;
    changedRows?: number;
  };
  return {
    insertId: insertId !== undefined && String(insertId) !== '0' ? BigInt(insertId) : undefined,
    numAffectedRows: affectedRows !== undefined ? BigInt(affectedRows) : undefined,
    numChangedRows: changedRows !== undefined ? BigInt(changedRows) : undefined,
    rows: [],
  };
}

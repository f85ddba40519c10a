import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
} from '@opentelemetry/semantic-conventions';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely';

export interface DatabaseSpanAttributes {
  /** `mysql` (MariaDB speaks it) or `sqlite`. */
  system: 'mysql' | 'sqlite';
  /** The database name. */
  namespace?: string;
}

/**
 * A Kysely dialect whose every statement is a client span carrying the SQL text as compiled, with
 * its `?` placeholders: parameter values (customer ids, amounts) never reach a span. Statements
 * run outside any trace (the relay's poller, the timeout sweeper, housekeeping) get no span, so
 * background polling does not fill the tracing backend with one-span traces.
 */
export function tracedDialect(dialect: Dialect, tracer: Tracer, attributes: DatabaseSpanAttributes): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => tracedDriver(dialect.createDriver(), tracer, attributes),
  };
}

function tracedDriver(driver: Driver, tracer: Tracer, attributes: DatabaseSpanAttributes): Driver {
  // The driver gets its own connection objects back: they may hold private fields a wrapper lacks.
  const inner = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const unwrap = (connection: DatabaseConnection) => inner.get(connection) ?? connection;
  const traced = (connection: DatabaseConnection): DatabaseConnection => {
    const wrapper: DatabaseConnection = {
      executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        const span = startQuerySpan(tracer, query.sql, attributes);
        if (!span) return connection.executeQuery<R>(query);
        return connection.executeQuery<R>(query).then(
          (result) => {
            span.end();
            return result;
          },
          (error: unknown) => {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
            span.end();
            throw error;
          },
        );
      },
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
    inner.set(wrapper, connection);
    return wrapper;
  };
  return {
    init: () => driver.init(),
    acquireConnection: async () => traced(await driver.acquireConnection()),
    // Through the wrapper, so BEGIN and COMMIT are spans of their own: commit time is where a
    // busy database shows first.
    beginTransaction: (connection, settings) => driver.beginTransaction(connection, settings),
    commitTransaction: (connection) => driver.commitTransaction(connection),
    rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
    ...(driver.savepoint && {
      savepoint: (connection, name, compile) =>
        driver.savepoint?.(connection, name, compile) as Promise<void>,
    }),
    ...(driver.rollbackToSavepoint && {
      rollbackToSavepoint: (connection, name, compile) =>
        driver.rollbackToSavepoint?.(connection, name, compile) as Promise<void>,
    }),
    ...(driver.releaseSavepoint && {
      releaseSavepoint: (connection, name, compile) =>
        driver.releaseSavepoint?.(connection, name, compile) as Promise<void>,
    }),
    releaseConnection: (connection) => driver.releaseConnection(unwrap(connection)),
    destroy: () => driver.destroy(),
  };
}

const statementPattern = /^\s*(\w+)/;
const leadingBegin = /^begin;\s*/i;
const tablePattern = /\b(?:from|into|update|join)\s+[`"]?(\w+)[`"]?/i;

function startQuerySpan(tracer: Tracer, sql: string, attributes: DatabaseSpanAttributes): Span | null {
  if (!trace.getSpan(context.active())) return null;
  // A statement sent with the BEGIN it opens (deferred-begin.ts) is named after the statement.
  const statement = sql.replace(leadingBegin, '');
  const operation = statementPattern.exec(statement)?.[1]?.toUpperCase() ?? 'SQL';
  const table = tablePattern.exec(statement)?.[1];
  return tracer.startSpan(table ? `${operation} ${table}` : operation, {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR_DB_SYSTEM_NAME]: attributes.system,
      // The older name, still what many backends group database spans by.
      'db.system': attributes.system,
      [ATTR_DB_OPERATION_NAME]: operation,
      [ATTR_DB_QUERY_TEXT]: sql,
      ...(table && { [ATTR_DB_COLLECTION_NAME]: table }),
      ...(attributes.namespace && { [ATTR_DB_NAMESPACE]: attributes.namespace }),
    },
  });
}

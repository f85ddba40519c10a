import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
} from '@opentelemetry/semantic-conventions';
import type { CompiledQuery, Dialect, QueryResult } from 'kysely';
import { withDriver, wrapConnections } from '../db/wrapped-driver.js';

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
  // Transaction calls go through the wrapper, so BEGIN and COMMIT are spans of their own: commit
  // time is where a busy database shows first.
  return withDriver(dialect, (driver) =>
    wrapConnections(driver, (connection) => ({
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
    })),
  );
}

const statementPattern = /^\s*(\w+)/;
const leadingBegin = /^begin;\s*/i;
const tablePattern = /\b(?:from|into|update|join)\s+[`"]?(\w+)[`"]?/i;

function startQuerySpan(tracer: Tracer, sql: string, attributes: DatabaseSpanAttributes): Span | null {
  if (!trace.getSpan(context.active())) return null;
  // A statement sent with the BEGIN it opens (pipelined-transactions.ts) is named after the statement.
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

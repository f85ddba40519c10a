import { AsyncLocalStorage } from 'node:async_hooks';
import { context, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

/** Fields every log line written while handling one message carries (correlationId is the order id). */
export interface LogContext {
  correlationId: string;
  messageId: string;
  type: string;
  queue: string;
}

const logContext = new AsyncLocalStorage<LogContext>();

/**
 * Runs `work` so that every log line it writes, through any logger made here, carries `context`.
 * Message handlers reach the saga, the repositories and the simulators, none of which should
 * have to pass a logger around just to say which order a line is about.
 */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  return logContext.run(context, work);
}

/**
 * Runs `work` without the current message's context: for work that a handler only triggers (the
 * outbox relay woken by its commit), whose lines are about other messages.
 */
export function outsideLogContext<T>(work: () => T): T {
  return logContext.exit(work);
}

/** The fields of a line written outside any message: one shared object, so merging it costs nothing. */
const noContext: Readonly<Record<string, never>> = Object.freeze({});

/**
 * Adds the active span's trace and span ids, so a log search by trace id finds every line of one
 * saga, across the request and the replies. Without tracing no span is ever active.
 */
function withTraceIds(fields: object): object {
  const span = trace.getSpan(context.active());
  if (!span) return fields;
  const { traceId, spanId } = span.spanContext();
  return { ...fields, traceId, spanId };
}

/**
 * The header and field names whose values never reach the output. Fastify's request serializer
 * logs no headers, but handlers and adapters may log a request, a config or an error object.
 */
const redactedPaths = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'password',
  'secret',
  '*.password',
  '*.secret',
  'config.jwt.secret',
  'config.database.password',
  'config.rabbitmq.password',
  'apiKey',
  '*.apiKey',
  'config.payment.apiKey',
];

/** Most log output held in memory waiting for stdout: a few seconds of lines at full speed. */
const logBufferBytes = 16 * 1024 * 1024;

/**
 * JSON logs in production (and tests), pretty ones in development; secrets never reach the
 * output. `destination` lets a test capture the lines.
 */
export function createLogger(
  config: Pick<Config, 'env' | 'logLevel'>,
  destination?: DestinationStream,
): Logger {
  const options = {
    level: config.logLevel,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    mixin: () => withTraceIds(logContext.getStore() ?? noContext),
    // pino's default merge assigns a line's fields into the object the mixin returned, which is
    // the message's context, shared by every line of its handler: a field logged once showed up on
    // each line after it. A copy instead, and none for a line outside a message (every request's
    // line), where the merge was a third of the line's cost (docs/benchmarks.md).
    mixinMergeStrategy: (line: object, fields: object) =>
      fields === noContext ? line : { ...fields, ...line },
  };
  if (destination) return pino(options, destination);
  if (config.env === 'development') {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  // Asynchronous: a log line costs a buffer append, not a write(2) on the request's path; pino
  // flushes what is buffered when the process exits (a SIGKILL loses at most that buffer). The
  // buffer is bounded: lines written faster than stdout drains them are dropped beyond it, where
  // an unbounded one grew the heap by ~10 MB/s under overload until the saga starved.
  return pino(options, pino.destination({ dest: 1, sync: false, maxLength: logBufferBytes }));
}

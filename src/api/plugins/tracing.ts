import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { extractContext } from '../../infrastructure/observability/trace-context.js';

export interface TracingPluginOptions {
  tracer: Tracer;
}

const spans = new WeakMap<FastifyRequest, Span>();

/**
 * A server span per request, named by its route template (`POST /api/orders`), continuing the
 * caller's `traceparent`. The rest of the request runs with the span active, so database spans
 * nest under it, the outbox rows it writes carry its context, and its log lines its trace id.
 */
export default fp(
  async function tracingPlugin(app: FastifyInstance, { tracer }: TracingPluginOptions) {
    // A callback hook, not an async one: `done` must run inside `context.with` for every later
    // hook and the handler to inherit the span.
    app.addHook('onRequest', (request, _reply, done) => {
      // Probes and scrapes every few seconds would bury the traces that matter.
      if (request.routeOptions.config?.operational) return done();
      const parent = extractContext(request.headers);
      const route = request.routeOptions.url;
      const path = request.url.split('?', 1)[0] as string;
      const span = tracer.startSpan(
        route ? `${request.method} ${route}` : request.method,
        {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR_HTTP_REQUEST_METHOD]: request.method,
            [ATTR_URL_PATH]: path,
            [ATTR_URL_SCHEME]: request.protocol,
            [ATTR_CLIENT_ADDRESS]: request.ip,
            ...(route && { [ATTR_HTTP_ROUTE]: route }),
            ...(request.headers['user-agent'] && {
              [ATTR_USER_AGENT_ORIGINAL]: request.headers['user-agent'],
            }),
          },
        },
        parent,
      );
      spans.set(request, span);
      context.with(trace.setSpan(parent, span), done);
    });

    app.addHook('onError', async (request, _reply, error) => {
      spans.get(request)?.recordException(error);
    });

    app.addHook('onResponse', (request, reply, done) => {
      const span = spans.get(request);
      if (span) {
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
        // Client errors are the caller's; only a server error marks the span failed (HTTP semconv).
        if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        spans.delete(request);
      }
      done();
    });

    app.addHook('onRequestAbort', async (request) => {
      const span = spans.get(request);
      if (!span) return;
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the connection' });
      span.end();
      spans.delete(request);
    });
  },
  { name: 'tracing' },
);

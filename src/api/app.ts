import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Tracer } from '@opentelemetry/api';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Readiness } from '../infrastructure/observability/readiness.js';
import { DeadLetterSchema } from './admin-schemas.js';
import type { TokenVerifier } from './auth.js';
import { completeDocument, openApiDocument } from './openapi.js';
import admission, { type AdmissionOptions } from './plugins/admission.js';
import authentication from './plugins/authentication.js';
import deadline from './plugins/deadline.js';
import draining from './plugins/draining.js';
import errors from './plugins/errors.js';
import health from './plugins/health.js';
import metrics, { type MetricsPluginOptions } from './plugins/metrics.js';
import protection from './plugins/protection.js';
import tracing from './plugins/tracing.js';
import { type AdminRoutesOptions, adminRoutes } from './routes/admin.js';
import { consoleRoutes } from './routes/console.js';
import { type FulfilmentRoutesOptions, fulfilmentRoutes } from './routes/fulfilment.js';
import { type OrderQueryRoutesOptions, orderQueryRoutes } from './routes/order-queries.js';
import { type OrderStreamOptions, orderStreamRoutes } from './routes/order-stream.js';
import { type OrderRoutesOptions, orderRoutes } from './routes/orders.js';
import type { SagaBacklogLimit } from './saga-backlog-limit.js';
import { sharedSchemas } from './schemas.js';
import { validatorCompiler } from './validation.js';

export interface AppDependencies {
  config: Config;
  logger: Logger;
  verifyToken: TokenVerifier;
  orders: OrderRoutesOptions;
  orderQueries: OrderQueryRoutesOptions;
  admin: AdminRoutesOptions;
  orderStream: OrderStreamOptions;
  fulfilment: FulfilmentRoutesOptions;
  operations: OperationsDependencies;
  /** Orders waiting for their saga; POST /api/orders waits, then is refused, once SAGA_BACKLOG_LIMIT orders wait. */
  sagaBacklog?: AdmissionOptions['sagaBacklog'];
  /** How many may wait (SAGA_BACKLOG_LIMIT, SAGA_BACKLOG_TARGET_MS); absent, POSTs are never held back. */
  sagaBacklogLimit?: SagaBacklogLimit | undefined;
  /** A server span per request when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT); null or absent: none. */
  tracer?: Tracer | null;
  /** Called with every response's final payload; undefined in production. */
  observeResponse?: ((request: FastifyRequest, reply: FastifyReply, payload: unknown) => void) | undefined;
}

/** What /metrics and /health/* report from. */
export interface OperationsDependencies extends MetricsPluginOptions {
  readiness: Readiness;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds the HTTP application; main.ts and the tests both use it, so tests exercise the real thing. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.http.bodyLimitBytes,
    requestTimeout: config.http.requestTimeoutMs,
    trustProxy: config.http.trustProxy,
    requestIdHeader: false,
    // The draining plugin answers requests that arrive while closing, as problem+json with Retry-After.
    return503OnClosing: false,
    // One line per request, written when it is answered (below), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // A caller's request id is kept when it is sane, so logs join up across services.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // First, so the span is active for every other hook and the handler.
  if (deps.tracer) await app.register(tracing, { tracer: deps.tracer });
  for (const schema of [...sharedSchemas, DeadLetterSchema]) app.addSchema(schema);
  app.setValidatorCompiler(validatorCompiler(sharedSchemas));
  // Hooks that never wait are callback hooks: an async one costs a promise per request, and a
  // GET passes through about fifteen hooks.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  app.addHook('onRequest', (request, _reply, done) => {
    request.log.debug({ req: request }, 'incoming request');
    done();
  });
  // The line per request holds only what Fastify's req and res serializers keep (method, url,
  // address, status): no header, no body. Redaction found nothing in it to hide and cost ~10 % of
  // GET throughput (docs/benchmarks.md), so it goes through a child without it; every other line,
  // whatever it logs, is still redacted.
  const requestLog = app.log.child({}, { redact: [] });
  app.addHook('onResponse', (request, reply, done) => {
    // Probes and scrapes every few seconds would drown the requests that matter, and so would
    // refusals under overload (thousands a second): 503s are counted by the metrics and their
    // cause is logged once, when it starts (back-pressure, an outage), not once per request.
    const quiet = request.routeOptions.config?.operational || reply.statusCode === 503;
    const level = quiet ? 'debug' : 'info';
    requestLog[level](
      { reqId: request.id, req: request, res: reply, responseTime: reply.elapsedTime },
      'request completed',
    );
    done();
  });
  const { observeResponse } = deps;
  if (observeResponse) {
    // On the root before any plugin, so it sees the responses of every route and of none.
    app.addHook('onSend', (request, reply, payload, done) => {
      observeResponse(request, reply, payload);
      done(null, payload);
    });
  }

  await app.register(protection, config);
  await app.register(errors);
  await app.register(draining);
  await app.register(deadline, { deadlineMs: config.http.requestDeadlineMs });
  await app.register(swagger, {
    openapi: openApiDocument,
    refResolver: { buildLocalReference: (json) => String(json.$id) },
    transformObject: (document) =>
      'openapiObject' in document ? completeDocument(document.openapiObject) : document.swaggerObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(metrics, deps.operations);
  await app.register(health, { readiness: deps.operations.readiness });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if (config.console.enabled) await app.register(consoleRoutes, { config });

  await app.register(
    async (api) => {
      // The API speaks JSON only; Fastify's built-in text/plain parser would turn a wrong content
      // type into a confusing 400 "must be object" instead of 415.
      api.removeContentTypeParser('text/plain');
      await api.register(authentication, { verify: deps.verifyToken });
      if (deps.sagaBacklog && deps.sagaBacklogLimit) {
        await api.register(admission, {
          sagaBacklog: deps.sagaBacklog,
          limit: deps.sagaBacklogLimit,
          maxWaitMs: config.admission.sagaBacklogWaitMs,
          routes: ['POST /api/orders'],
        });
      }
      await api.register(orderRoutes, deps.orders);
      await api.register(orderQueryRoutes, deps.orderQueries);
      await api.register(adminRoutes, deps.admin);
      await api.register(orderStreamRoutes, deps.orderStream);
      await api.register(fulfilmentRoutes, deps.fulfilment);
    },
    { prefix: '/api' },
  );
  return app;
}

import { Writable } from 'node:stream';
import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import tracingPlugin from '../../../src/api/plugins/tracing.js';
import { type Envelope, topology } from '../../../src/application/messaging/contract.js';
import { loadConfig } from '../../../src/config.js';
import { createInProcessBus } from '../../../src/infrastructure/messaging/in-process-bus.js';
import { withTraceparent } from '../../../src/infrastructure/observability/trace-context.js';
import { traceBus } from '../../../src/infrastructure/observability/traced-bus.js';
import { tracedDialect } from '../../../src/infrastructure/observability/traced-dialect.js';
import { createTracing, type Tracing } from '../../../src/infrastructure/observability/tracing.js';
import { createReplyFactory } from '../../../src/infrastructure/participants/replies.js';
import { createLogger } from '../../../src/logger.js';

const traceId = '0af7651916cd43dd8448eb211c80319c';
const traceparent = `00-${traceId}-b7ad6b7169203331-01`;

const anEnvelope = (overrides: Partial<Envelope> = {}): Envelope => ({
  messageId: 'm-1',
  type: 'inventory.reserve',
  correlationId: 'o-1',
  causationId: null,
  occurredAt: '2026-01-01T00:00:00.000Z',
  payload: { orderId: 'o-1', items: [] },
  ...overrides,
});

let tracing: Tracing;
let exporter: InMemorySpanExporter;
function startTracing() {
  exporter = new InMemorySpanExporter();
  tracing = createTracing(loadConfig({}).tracing, { exporter, exportEachSpan: true });
  return tracing.tracer as NonNullable<Tracing['tracer']>;
}
afterEach(async () => {
  await tracing?.shutdown();
});

describe('tracing configuration', () => {
  it('is off unless an OTLP endpoint is configured, and then creates no tracer', () => {
    const config = loadConfig({});
    expect(config.tracing).toEqual({
      enabled: false,
      tracesEndpoint: null,
      serviceName: 'order-service',
      sampleRatio: 1,
    });
    expect(createTracing(config.tracing).tracer).toBeNull();
  });

  it('exports to OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, or to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toMatchObject({
      enabled: true,
      tracesEndpoint: 'http://collector:4318/v1/traces',
    });
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9999/custom',
      }).tracing.tracesEndpoint,
    ).toBe('http://traces:9999/custom');
  });

  it('stays off with OTEL_SDK_DISABLED, and reads the service name and sampling ratio', () => {
    const config = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_SDK_DISABLED: 'true',
      OTEL_SERVICE_NAME: 'orders-eu',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(config.tracing).toMatchObject({ enabled: false, serviceName: 'orders-eu', sampleRatio: 0.25 });
  });

  it('refuses an endpoint that is not an http(s) URL and a ratio outside 0–1', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    expect(() => loadConfig({ OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });
});

describe('trace context on envelopes', () => {
  it('stamps the active span’s traceparent on an envelope, keeps one it has, and adds none outside a span', () => {
    const tracer = startTracing();
    expect(withTraceparent(anEnvelope()).traceparent).toBeUndefined();
    const span = tracer.startSpan('request');
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => {
      const stamped = withTraceparent(anEnvelope());
      expect(stamped.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
      expect(withTraceparent(anEnvelope({ traceparent })).traceparent).toBe(traceparent);
    });
    span.end();
  });

  it('gives a reply the command’s trace when the participant has no span of its own', () => {
    const reply = createReplyFactory()(anEnvelope({ traceparent }), 'inventory.reserved', {
      orderId: 'o-1',
      reservationId: 'r-1',
    });
    expect(reply.traceparent).toBe(traceparent);
  });
});

describe('traced bus', () => {
  it('publishes under the envelope’s context and consumes with the producer span as parent, active in the handler', async () => {
    const tracer = startTracing();
    const bus = traceBus(createInProcessBus({ maxAttempts: 1, retryBaseDelayMs: 0 }), tracer);
    const seen: Array<{ traceparent?: string; activeTraceId?: string }> = [];
    bus.consume(topology.inventoryQueue, async ({ envelope }) => {
      seen.push({
        traceparent: envelope.traceparent,
        activeTraceId: trace.getSpan(context.active())?.spanContext().traceId,
      });
    });
    await bus.publish({
      exchange: topology.commandsExchange,
      routingKey: 'inventory.reserve',
      envelope: anEnvelope({ traceparent }),
    });
    await expect.poll(() => exporter.getFinishedSpans().length).toBe(2);

    const [producer, consumer] = [SpanKind.PRODUCER, SpanKind.CONSUMER].map((kind) =>
      exporter.getFinishedSpans().find((span) => span.kind === kind),
    );
    expect(producer?.spanContext().traceId).toBe(traceId);
    expect(producer?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(producer?.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': topology.commandsExchange,
      'messaging.message.id': 'm-1',
    });
    expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(seen).toEqual([
      { traceparent: `00-${traceId}-${producer?.spanContext().spanId}-01`, activeTraceId: traceId },
    ]);
    await bus.close();
  });
});

describe('traced database', () => {
  it('makes each statement run inside a trace a client span with its SQL text, placeholders and no values', async () => {
    const tracer = startTracing();
    const db = new Kysely<{ items: { id: string } }>({
      dialect: tracedDialect(new SqliteDialect({ database: new SQLite(':memory:') }), tracer, {
        system: 'sqlite',
      }),
    });
    await sql`create table items (id text)`.execute(db);
    expect(exporter.getFinishedSpans()).toHaveLength(0);

    const request = tracer.startSpan('request');
    await context.with(trace.setSpan(ROOT_CONTEXT, request), () =>
      db.transaction().execute((trx) => trx.insertInto('items').values({ id: 'secret-value' }).execute()),
    );
    request.end();
    await db.destroy();

    const statements = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT);
    expect(statements.map((span) => span.name)).toEqual(['BEGIN', 'INSERT items', 'COMMIT']);
    const insert = statements[1];
    expect(insert?.attributes).toMatchObject({
      'db.system.name': 'sqlite',
      'db.operation.name': 'INSERT',
      'db.collection.name': 'items',
      'db.query.text': 'insert into "items" ("id") values (?)',
    });
    expect(insert?.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  });
});

describe('HTTP server spans', () => {
  it('names the span by the route template, continues the caller’s traceparent, records the status, and skips probes', async () => {
    const tracer = startTracing();
    const app = Fastify();
    await app.register(tracingPlugin, { tracer });
    let activeInHandler: string | undefined;
    app.get('/api/orders/:id', async (_request, reply) => {
      activeInHandler = trace.getSpan(context.active())?.spanContext().traceId;
      return reply.code(404).send({});
    });
    app.get('/health/live', { config: { operational: true } }, async () => ({}));
    await app.inject({ url: '/api/orders/abc?x=1', headers: { traceparent } });
    await app.inject({ url: '/health/live' });
    await app.inject({ url: '/nowhere' });
    expect(exporter.getFinishedSpans()).toHaveLength(2);
    await app.close();

    const [found, unrouted] = exporter.getFinishedSpans();
    expect(found?.name).toBe('GET /api/orders/:id');
    expect(found?.kind).toBe(SpanKind.SERVER);
    expect(found?.spanContext().traceId).toBe(traceId);
    expect(found?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/api/orders/:id',
      'url.path': '/api/orders/abc',
      'http.response.status_code': 404,
    });
    expect(activeInHandler).toBe(traceId);
    expect(unrouted?.name).toBe('GET');
  });
});

describe('log lines', () => {
  it('of a request, the one written when it is answered included, carry the request’s trace id', async () => {
    const tracer = startTracing();
    const { logger, lines } = capturedLogger();
    const app = Fastify({ loggerInstance: logger, disableRequestLogging: true });
    await app.register(tracingPlugin, { tracer });
    app.addHook('onResponse', async (request) => request.log.info('request completed'));
    app.get('/ping', async (request) => {
      request.log.info('handling');
      return {};
    });
    await app.inject({ url: '/ping', headers: { traceparent } });
    await app.close();
    expect(lines.filter((line) => line.traceId === traceId).map((line) => line.msg)).toEqual([
      'handling',
      'request completed',
    ]);
  });

  it('carry traceId and spanId while a span is active, and neither otherwise', () => {
    const tracer = startTracing();
    const { logger, lines } = capturedLogger();
    const span = tracer.startSpan('work');
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => logger.info('inside'));
    logger.info('outside');
    span.end();
    expect(lines[0]).toMatchObject({
      msg: 'inside',
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
    });
    expect(lines[1]).not.toHaveProperty('traceId');
  });
});

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger({ env: 'test', logLevel: 'info' }, destination), lines };
}

import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createTracing } from '../../../src/infrastructure/observability/tracing.js';
import { requireMariaDb, requireRabbitMq } from '../../support/services.js';
import { type DatabaseKind, startTestService, type TestService } from '../../support/test-service.js';
import { adminConnection, deleteTopology, getAll, uniquePrefix } from '../messaging/rabbitmq-kit.js';

const connected = (await requireMariaDb()) && (await requireRabbitMq());

const anOrder = {
  customerId: 'c-trace',
  items: [{ productId: 'sku-1', quantity: 1, price: 12.5 }],
  shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
};

/** A caller's trace context: the order's saga must continue it, not start its own trace. */
const callerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerTraceparent = `00-${callerTraceId}-00f067aa0ba902b7-01`;

/** POSTs `anOrder` as a caller whose own trace the request continues (its `traceparent`). */
async function placeTracedOrder(running: TestService) {
  const created = await running.service.app.inject({
    method: 'POST',
    url: '/api/orders',
    headers: { authorization: await running.bearer('c-trace'), traceparent: callerTraceparent },
    payload: anOrder,
  });
  expect(created.statusCode).toBe(201);
  return created;
}

interface Shape {
  name: string;
  kind: DatabaseKind;
  env: () => Record<string, string>;
  cleanup?: (env: Record<string, string>) => Promise<void>;
  skip: boolean;
}

const shapes: Shape[] = [
  { name: 'embedded (SQLite, in-process bus)', kind: 'sqlite', env: () => ({}), skip: false },
  {
    name: 'connected (MariaDB, RabbitMQ)',
    kind: 'mysql',
    env: () => ({
      RABBITMQ_HOST: process.env.RABBITMQ_HOST || '127.0.0.1',
      RABBITMQ_NAME_PREFIX: uniquePrefix(),
      SIMULATORS_EMBEDDED: 'true',
      OUTBOX_POLL_MS: '50',
    }),
    async cleanup(env) {
      const admin = adminConnection();
      await deleteTopology(admin, env.RABBITMQ_NAME_PREFIX as string);
      await admin.close();
    },
    skip: !connected,
  },
];

describe.each(shapes)('one order is one trace: $name', (shape) => {
  let running: TestService | null = null;
  let env: Record<string, string> = {};
  afterEach(async () => {
    await running?.stop();
    running = null;
    await shape.cleanup?.(env);
  });

  it.skipIf(shape.skip)(
    'the POST and the replies that confirm the order share one trace id, with server, database, producer and consumer spans',
    async () => {
      const exporter = new InMemorySpanExporter();
      const tracing = createTracing(loadConfig({ ENV: 'test' }).tracing, { exporter, exportEachSpan: true });
      env = shape.env();
      running = await startTestService(shape.kind, env, { tracing });
      const { app } = running.service;
      const amqp = shape.kind === 'mysql' ? await eventProbe(env.RABBITMQ_NAME_PREFIX as string) : null;

      const created = await placeTracedOrder(running);
      const orderId = created.json().id as string;

      // Confirmed means both participants' replies were handled by the saga.
      await expect
        .poll(
          async () => {
            const response = await app.inject({
              url: `/api/orders/${orderId}`,
              headers: { authorization: await running?.bearer('c-trace') },
            });
            return response.json().status;
          },
          { timeout: 15_000, interval: 100 },
        )
        .toBe('CONFIRMED');
      await tracing.flush();

      const spans = exporter.getFinishedSpans();
      const server = spans.find((span) => span.name === 'POST /api/orders');
      expect(server?.kind).toBe(SpanKind.SERVER);
      expect(server?.spanContext().traceId).toBe(callerTraceId);
      expect(server?.attributes['http.route']).toBe('/api/orders');
      expect(server?.attributes['http.response.status_code']).toBe(201);

      const ofOrder = (span: ReadableSpan) =>
        span.attributes['messaging.message.conversation_id'] === orderId;
      const replies = spans.filter(
        (span) =>
          span.kind === SpanKind.CONSUMER && ofOrder(span) && span.name.endsWith('order-service.replies'),
      );
      const replyTypes = replies.map((span) => span.attributes['message.type']);
      expect(replyTypes).toEqual(expect.arrayContaining(['inventory.reserved', 'payment.succeeded']));
      for (const reply of replies) expect(reply.spanContext().traceId).toBe(callerTraceId);

      // Every message of the saga, both ways, was published and consumed inside the caller's trace.
      const producers = spans.filter((span) => span.kind === SpanKind.PRODUCER && ofOrder(span));
      expect(producers.map((span) => span.attributes['message.type'])).toEqual(
        expect.arrayContaining([
          'inventory.reserve',
          'inventory.reserved',
          'payment.process',
          'payment.succeeded',
          'order.created',
          'order.confirmed',
        ]),
      );
      for (const span of producers) expect(span.spanContext().traceId).toBe(callerTraceId);

      // The INSERT of the order nests under the request; no statement text carries a value.
      const database = spans.filter(
        (span) => span.kind === SpanKind.CLIENT && span.spanContext().traceId === callerTraceId,
      );
      const insertOrder = database.find((span) => span.name === 'INSERT orders');
      expect(insertOrder?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
      expect(insertOrder?.attributes['db.system.name']).toBe(shape.kind === 'mysql' ? 'mysql' : 'sqlite');
      for (const span of database) expect(String(span.attributes['db.query.text'])).not.toContain('c-trace');

      // Over RabbitMQ the context also travels as the AMQP `traceparent` header.
      if (amqp) {
        const events = await amqp.messages();
        expect(events.length).toBeGreaterThan(0);
        for (const event of events) expect(String(event.headers?.traceparent)).toContain(callerTraceId);
      }
    },
    30_000,
  );
});

describe('the outbox', () => {
  it('stores the request’s trace context in the rows it writes, for the poller to publish into the same trace', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing(loadConfig({ ENV: 'test' }).tracing, { exporter, exportEachSpan: true });
    // No relay: the rows stay in the outbox, as they do when the broker is away.
    const running = await startTestService('sqlite', {}, { tracing, background: false });
    try {
      await placeTracedOrder(running);
      const rows = await running.service.database.db.selectFrom('outbox').select(['type', 'body']).execute();
      expect(rows.map((row) => row.type)).toEqual(
        expect.arrayContaining(['inventory.reserve', 'order.created']),
      );
      for (const row of rows)
        expect(JSON.parse(row.body).traceparent).toMatch(new RegExp(`^00-${callerTraceId}-`));
    } finally {
      await running.stop();
    }
  });
});

describe('with tracing off', () => {
  it('writes no trace context into the outbox, even for a request that sends a traceparent', async () => {
    const running = await startTestService('sqlite', {}, { background: false });
    try {
      await placeTracedOrder(running);
      const rows = await running.service.database.db.selectFrom('outbox').select('body').execute();
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(JSON.parse(row.body)).not.toHaveProperty('traceparent');
    } finally {
      await running.stop();
    }
  });
});

/** A queue of the test's own on the events exchange, to read the AMQP headers events arrive with. */
async function eventProbe(prefix: string) {
  const admin = adminConnection();
  const queue = `${prefix}trace-probe`;
  await admin.queueDeclare({ queue, exclusive: true });
  await admin.queueBind({ queue, exchange: `${prefix}orders.events`, routingKey: '#' });
  return {
    async messages() {
      const messages = await getAll(admin, queue);
      await admin.close();
      return messages;
    },
  };
}

import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createTracing } from '../../../src/infrastructure/observability/tracing.js';
import { createLogger } from '../../../src/logger.js';
import { requireMariaDb, requireRabbitMq } from '../../support/services.js';
import { startSimulatorProcess } from '../../support/simulator-process.js';
import { startTestService } from '../../support/test-service.js';
import { adminConnection, deleteTopology, uniquePrefix } from '../messaging/rabbitmq-kit.js';

interface Received {
  method: string;
  path: string;
  contentType: string;
  body: Buffer;
}

/**
 * A stand-in for an OpenTelemetry collector's OTLP/HTTP receiver: it records what it is sent and
 * answers `status`, or never answers when it is null.
 */
async function localCollector(status: number | null = 200) {
  const received: Received[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({
      method: request.method ?? '',
      path: request.url ?? '',
      contentType: String(request.headers['content-type']),
      body: Buffer.concat(chunks),
    });
    if (status === null) return;
    // An empty ExportTraceServiceResponse: everything accepted (or, with 4xx, nothing).
    response.writeHead(status, { 'content-type': 'application/x-protobuf' }).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('OTLP export to a local collector', () => {
  let collector: Awaited<ReturnType<typeof localCollector>>;
  beforeAll(async () => {
    collector = await localCollector();
  });
  afterAll(() => collector.close());

  it('POSTs the service’s spans as protobuf to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces, flushed at shutdown', async () => {
    const running = await startTestService('sqlite', {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: 'orders-under-test',
    });
    const response = await running.service.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { authorization: await running.bearer('c-otlp') },
      payload: {
        customerId: 'c-otlp',
        items: [{ productId: 'sku-1', quantity: 1, price: 3 }],
        shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
      },
    });
    expect(response.statusCode).toBe(201);
    // Spans leave in batches; stopping the service flushes what is still buffered.
    await running.stop();

    expect(collector.received.length).toBeGreaterThan(0);
    for (const request of collector.received) {
      expect(request).toMatchObject({
        method: 'POST',
        path: '/v1/traces',
        contentType: 'application/x-protobuf',
      });
    }
    // Protobuf keeps strings as they are: the resource's service name and the span names are readable in the bytes.
    const bytes = Buffer.concat(collector.received.map((request) => request.body)).toString('latin1');
    expect(bytes).toContain('orders-under-test');
    expect(bytes).toContain('POST /api/orders');
    expect(bytes).toContain('INSERT orders');
  });
});

const connected = (await requireMariaDb()) && (await requireRabbitMq());

describe.skipIf(!connected)('the simulator process exporting to a local collector', () => {
  it('exports its spans as <service>-simulators, in the trace of the request that placed the order', async () => {
    const collector = await localCollector();
    const prefix = uniquePrefix();
    const broker = {
      RABBITMQ_HOST: process.env.RABBITMQ_HOST || '127.0.0.1',
      RABBITMQ_PORT: process.env.RABBITMQ_PORT || '5672',
      RABBITMQ_NAME_PREFIX: prefix,
    };
    const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'orders-under-test' };
    const simulators = await startSimulatorProcess({ ENV: 'production', ...broker, ...otlp });
    const running = await startTestService('mysql', { ...broker, ...otlp, SIMULATORS_EMBEDDED: 'false' });
    try {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const placed = await running.service.app.inject({
        method: 'POST',
        url: '/api/orders',
        headers: {
          authorization: await running.bearer('c-sim-trace'),
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        },
        payload: {
          customerId: 'c-sim-trace',
          items: [{ productId: 'sku-1', quantity: 1, price: 3 }],
          shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
        },
      });
      expect(placed.statusCode).toBe(201);
      const status = async () =>
        (
          await running.service.app.inject({
            url: `/api/orders/${placed.json().id}`,
            headers: { authorization: await running.bearer('c-sim-trace') },
          })
        ).json().status;
      await expect.poll(status, { timeout: 15_000 }).toBe('CONFIRMED');
      // Stopping the process flushes the spans it still holds.
      await simulators.stop();

      const fromSimulators = collector.received
        .map((request) => request.body)
        .filter((body) => body.toString('latin1').includes('orders-under-test-simulators'));
      expect(fromSimulators.length).toBeGreaterThan(0);
      const bytes = Buffer.concat(fromSimulators);
      // Protobuf keeps the trace id as its 16 raw bytes and strings as they are.
      expect(bytes.includes(Buffer.from(traceId, 'hex')), 'spans in the request’s trace').toBe(true);
      expect(bytes.toString('latin1')).toContain('process inventory.commands');
      expect(bytes.toString('latin1')).toContain('process payment.commands');
    } finally {
      await running.stop();
      await simulators.stop();
      await collector.close();
      const admin = adminConnection();
      await deleteTopology(admin, prefix);
      await admin.close();
    }
  });
});

describe('a collector that fails', () => {
  it('refusing the spans: flush and shutdown still succeed, and the failure is logged once, not per batch', async () => {
    const collector = await localCollector(400);
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger(
      { env: 'test', logLevel: 'warn' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );
    const tracing = createTracing(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }).tracing, {
      logger,
    });
    for (const name of ['first', 'second']) {
      tracing.tracer?.startSpan(name).end();
      await tracing.flush();
    }
    await tracing.shutdown();
    await collector.close();
    expect(collector.received).toHaveLength(2);
    expect(lines.map((line) => line.msg)).toEqual(['spans could not be exported; dropped']);
  });

  it('never answering: shutdown gives up after its bound instead of holding up the exit', async () => {
    const collector = await localCollector(null);
    const tracing = createTracing(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }).tracing, {
      shutdownTimeoutMs: 300,
    });
    tracing.tracer?.startSpan('stuck').end();
    const started = performance.now();
    await tracing.shutdown();
    const elapsed = performance.now() - started;
    await collector.close();
    expect(elapsed).toBeLessThan(2_000);
    // The spans went out; the answer never came.
    expect(collector.received).toHaveLength(1);
  });
});

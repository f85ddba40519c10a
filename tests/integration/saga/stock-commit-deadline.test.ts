import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Envelope, topology } from '../../../src/application/messaging/contract.js';
import type { Consumer } from '../../../src/infrastructure/messaging/bus.js';
import {
  createInventorySimulator,
  type InventorySimulator,
} from '../../../src/infrastructure/participants/inventory/inventory-simulator.js';
import { createPaymentParticipant } from '../../../src/infrastructure/participants/payment/payment-participant.js';
import { createSimulatedPaymentProvider } from '../../../src/infrastructure/participants/payment/payment-simulator.js';
import { serveParticipant } from '../../../src/infrastructure/participants/start-simulators.js';
import { createLogger } from '../../../src/logger.js';
import { requireMariaDb, requireRabbitMq } from '../../support/services.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { adminConnection, deleteTopology, uniquePrefix } from '../messaging/rabbitmq-kit.js';

const connected = (await requireMariaDb()) && (await requireRabbitMq());

/**
 * The two shapes, each with its own deadline: the broker hop of the connected shape takes longer,
 * and a reply that comes must never be taken for a missing one on this busy machine.
 */
const shapes = [
  {
    name: 'the embedded shape (SQLite, in-process bus)',
    available: true,
    start: () => startTestService('sqlite', { ...timing(400), SIMULATORS_EMBEDDED: 'false' }),
    cleanup: async () => {},
    timeoutMs: 400,
  },
  (() => {
    const prefix = uniquePrefix();
    return {
      name: 'MariaDB and RabbitMQ',
      available: connected,
      start: () =>
        startTestService('mysql', {
          ...timing(1_000),
          // The sweeper's first pass may run before the broker connection is up, which counts as
          // an outage: deadlines then wait one step timeout after the connection (the default 30 s).
          SAGA_STEP_TIMEOUT_MS: '10000',
          RABBITMQ_HOST: process.env.RABBITMQ_HOST || '127.0.0.1',
          RABBITMQ_PORT: process.env.RABBITMQ_PORT || '5672',
          RABBITMQ_NAME_PREFIX: prefix,
          SIMULATORS_EMBEDDED: 'false',
        }),
      cleanup: async () => {
        const admin = adminConnection();
        await deleteTopology(admin, prefix);
        await admin.close();
      },
      timeoutMs: 1_000,
    };
  })(),
];

const maxAttempts = 3;

function timing(timeoutMs: number): Record<string, string> {
  return {
    SHIPMENT_COMMIT_TIMEOUT_MS: String(timeoutMs),
    SHIPMENT_COMMIT_MAX_ATTEMPTS: String(maxAttempts),
    SAGA_SWEEP_INTERVAL_MS: '50',
    OUTBOX_POLL_MS: '50',
    RATE_LIMIT_MAX: '1000000',
  };
}

describe.each(shapes)('a shipment’s stock commit on $name', ({ available, start, cleanup, timeoutMs }) => {
  let t: TestService;
  const consumers: Consumer[] = [];
  /** Orders whose `inventory.commit` the inventory participant takes and never answers. */
  const silentFor = new Set<string>();
  /** Every `inventory.commit` the inventory participant received, answered or not. */
  const commits: Envelope[] = [];
  let inventory: InventorySimulator;

  beforeAll(async () => {
    if (!available) return;
    t = await start();
    const { bus, database } = t.service;
    // The simulators keep what they did in the service's database, as in the embedded shape.
    inventory = createInventorySimulator(database);
    const logger = createLogger({ env: 'test', logLevel: 'silent' });
    // The real inventory simulator behind a door that swallows the commits of chosen orders: a
    // participant that never answers them (the message is taken off the queue, no reply goes out).
    consumers.push(
      bus.consume(topology.inventoryQueue, async ({ envelope }) => {
        if (envelope.type === 'inventory.commit') {
          commits.push(envelope);
          if (silentFor.has(envelope.correlationId)) return;
        }
        const reply = await inventory.handle(envelope);
        await bus.publish({ exchange: topology.repliesExchange, routingKey: reply.type, envelope: reply });
      }),
      serveParticipant(
        bus,
        topology.paymentQueue,
        createPaymentParticipant({ store: database, provider: createSimulatedPaymentProvider(database) }),
        logger,
      ),
    );
  });
  afterAll(async () => {
    for (const consumer of consumers) await consumer.close();
    await t?.stop();
    await cleanup();
  });

  const request = async (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
    t.service.app.inject({
      method,
      url,
      headers: { authorization: await t.bearer('ops', ['admin']) },
      ...(payload && { payload }),
    });
  const order = async (id: string) => (await request('GET', `/api/orders/${id}`)).json();
  const timeline = async (id: string) =>
    (await request('GET', `/api/orders/${id}/timeline`)).json().entries as Array<{
      kind: string;
      messageType: string | null;
      detail: string | null;
    }>;
  const counter = async (name: string) => {
    const text = (await t.service.app.inject({ url: '/metrics' })).body;
    return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  };
  const commitsOf = (orderId: string) => commits.filter((command) => command.correlationId === orderId);

  async function shippedOrder(customerId: string, silent: boolean) {
    const placed = await request('POST', '/api/orders', {
      customerId,
      items: [{ productId: 'p-commit', quantity: 2, price: 9.5 }],
      shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
    });
    expect(placed.statusCode, placed.body).toBe(201);
    const id = placed.json().id as string;
    await expect.poll(async () => (await order(id)).status, { timeout: 20_000 }).toBe('CONFIRMED');
    if (silent) silentFor.add(id);
    const shipped = await request('POST', `/api/orders/${id}/shipments`, {
      items: [{ productId: 'p-commit', quantity: 2 }],
      trackingNumber: `T-${customerId}`,
    });
    expect(shipped.statusCode, shipped.body).toBe(201);
    return { id, shipmentId: shipped.json().id as string };
  }

  it.skipIf(!available)(
    'resends a commit to a participant that never answers, then marks it COMMIT_FAILED after the last attempt',
    async () => {
      const retriesBefore = await counter('order_shipment_stock_commit_retries_total');
      const failuresBefore = await counter('order_shipment_stock_commit_failures_total');
      const { id, shipmentId } = await shippedOrder('c-silent', true);

      // Attempts wait 1×, 2× and 4× the timeout from the broker's confirm; then the commit fails.
      await expect
        .poll(async () => (await order(id)).shipments[0].stockStatus, {
          timeout: 7 * timeoutMs + 20_000,
          interval: 100,
        })
        .toBe('COMMIT_FAILED');

      // The same command every time: same shipment and units, a new message id per attempt.
      const sent = commitsOf(id);
      expect(sent).toHaveLength(maxAttempts);
      expect(new Set(sent.map((command) => command.messageId)).size).toBe(maxAttempts);
      for (const command of sent) {
        expect(command.payload).toEqual({
          orderId: id,
          shipmentId,
          items: [{ productId: 'p-commit', quantity: 2 }],
        });
      }
      const entries = await timeline(id);
      expect(entries.filter((entry) => entry.kind === 'retry').map((entry) => entry.detail)).toEqual([
        expect.stringMatching(new RegExp(`^shipment ${shipmentId}, attempt 2 of 3 .*within ${timeoutMs} ms`)),
        expect.stringMatching(new RegExp(`attempt 3 of 3 .*within ${2 * timeoutMs} ms`)),
      ]);
      expect(entries.at(-1)).toMatchObject({
        kind: 'timeout',
        messageType: 'inventory.commit',
        detail: expect.stringContaining(`stock commit of shipment ${shipmentId} failed`),
      });
      // Counted once the sweep's commit has answered, a moment after the order reads COMMIT_FAILED.
      await expect.poll(() => counter('order_shipment_stock_commit_failures_total')).toBe(failuresBefore + 1);
      expect(await counter('order_shipment_stock_commit_retries_total')).toBe(retriesBefore + 2);
      const operations = (await request('GET', '/api/admin/operations')).json();
      expect(operations.stockCommits.failed).toContainEqual({
        orderId: id,
        shipmentId,
        attempts: maxAttempts,
        failedAt: expect.any(String),
      });

      // Nothing more is sent once it failed.
      await new Promise((resolve) => setTimeout(resolve, 2 * timeoutMs));
      expect(commitsOf(id)).toHaveLength(maxAttempts);

      // A reply that finally comes (to any attempt) is still the truth about the stock.
      const late = await inventory.handle(sent[0] as Envelope);
      await t.service.bus.publish({
        exchange: topology.repliesExchange,
        routingKey: late.type,
        envelope: late,
      });
      await expect
        .poll(async () => (await order(id)).shipments[0].stockStatus, { timeout: 20_000 })
        .toBe('COMMITTED');
      const after = (await request('GET', '/api/admin/operations')).json();
      expect(after.stockCommits.failed.map((failed: { orderId: string }) => failed.orderId)).not.toContain(
        id,
      );
    },
    // Seven timeouts of waiting, plus the saga and the broker on a busy machine.
    60_000,
  );

  it.skipIf(!available)(
    'does not resend a commit that gets its reply',
    async () => {
      const retriesBefore = await counter('order_shipment_stock_commit_retries_total');
      const { id } = await shippedOrder('c-answered', false);
      await expect
        .poll(async () => (await order(id)).shipments[0].stockStatus, { timeout: 20_000 })
        .toBe('COMMITTED');
      // Longer than the first and second attempts' deadlines together: a live timer would have fired.
      await new Promise((resolve) => setTimeout(resolve, 3 * timeoutMs + 500));
      expect(commitsOf(id)).toHaveLength(1);
      expect((await timeline(id)).filter((entry) => entry.kind === 'retry')).toEqual([]);
      expect(await counter('order_shipment_stock_commit_retries_total')).toBe(retriesBefore);
      const operations = (await request('GET', '/api/admin/operations')).json();
      expect(
        operations.stockCommits.failed.map((failed: { orderId: string }) => failed.orderId),
      ).not.toContain(id);
      const timers = await t.service.database.db
        .selectFrom('stock_commit_timers')
        .selectAll()
        .where('order_id', '=', id)
        .execute();
      expect(timers).toEqual([]);
    },
    40_000,
  );
});

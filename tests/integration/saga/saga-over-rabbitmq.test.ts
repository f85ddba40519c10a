import type { Connection } from 'rabbitmq-client';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topology } from '../../../src/application/messaging/contract.js';
import { createTestDatabase } from '../../support/database.js';
import { requireMariaDb, requireRabbitMq } from '../../support/services.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import {
  adminConnection,
  deleteTopology,
  forceCloseConnections,
  getAll,
  uniquePrefix,
} from '../messaging/rabbitmq-kit.js';

const available = (await requireMariaDb()) && (await requireRabbitMq());

const anOrder = (customerId: string, items = [{ productId: 'sku-1', quantity: 2, price: 10 }]) => ({
  customerId,
  items,
  shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
});

/** The saga end to end: MariaDB, RabbitMQ and the simulators serving the participant queues on it. */
describe.skipIf(!available)('the place-order saga over RabbitMQ and MariaDB', () => {
  const cleanup: Array<() => Promise<void>> = [];
  let admin: Connection;

  beforeAll(() => {
    admin = adminConnection();
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
    await admin.close();
  });

  /** A service on its own queues (and, unless given, its own database). */
  async function connectedService(env: Record<string, string> = {}, prefix = uniquePrefix()) {
    const service = await startTestService('mysql', {
      RABBITMQ_HOST: process.env.RABBITMQ_HOST || '127.0.0.1',
      RABBITMQ_NAME_PREFIX: prefix,
      SIMULATORS_EMBEDDED: 'true',
      OUTBOX_POLL_MS: '50',
      SAGA_SWEEP_INTERVAL_MS: '100',
      ...env,
    });
    cleanup.push(async () => {
      await service.stop();
      await deleteTopology(admin, prefix);
    });
    return { ...service, prefix };
  }

  async function place(t: TestService, customerId: string, items?: Parameters<typeof anOrder>[1]) {
    const response = await t.service.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { authorization: await t.bearer(customerId) },
      payload: anOrder(customerId, items),
    });
    expect(response.statusCode).toBe(201);
    return response.json().id as string;
  }

  async function order(t: TestService, id: string) {
    const response = await t.service.app.inject({
      url: `/api/orders/${id}`,
      headers: { authorization: await t.bearer('staff', ['admin']) },
    });
    return response.json();
  }

  async function timeline(t: TestService, id: string) {
    const response = await t.service.app.inject({
      url: `/api/orders/${id}/timeline`,
      headers: { authorization: await t.bearer('staff', ['admin']) },
    });
    return (response.json() as { entries: Array<{ kind: string; messageType: string; detail: string }> })
      .entries;
  }

  /**
   * Waits for a line of /metrics: the service counts what a transaction did once its COMMIT has
   * answered, a moment after another connection can already read what it wrote.
   */
  async function metricsShow(t: TestService, line: RegExp) {
    await expect
      .poll(async () => (await t.service.app.inject({ url: '/metrics' })).body, { timeout: 5_000 })
      .toMatch(line);
  }

  async function finalState(t: TestService, id: string, timeout = 10_000) {
    await expect
      .poll(async () => (await order(t, id)).status, { timeout, interval: 50 })
      .toMatch(/^(CONFIRMED|CANCELLED)$/);
    return order(t, id);
  }

  it('confirms an order once stock is reserved and payment taken', async () => {
    const t = await connectedService();
    const confirmed = await finalState(t, await place(t, 'c-happy'));
    expect(confirmed.status).toBe('CONFIRMED');
    expect(confirmed.payment.status).toBe('SUCCEEDED');
    expect(confirmed.inventory.status).toBe('RESERVED');
    expect(confirmed.version).toBe(3);
    expect(confirmed.statusHistory).toMatchObject([
      { status: 'PENDING', changedBy: 'customer', causationId: null },
      { status: 'CONFIRMED', changedBy: 'saga', causationId: expect.any(String) },
    ]);
    expect((await timeline(t, confirmed.id)).map((entry) => `${entry.kind} ${entry.messageType}`)).toEqual([
      'command inventory.reserve',
      'reply inventory.reserved',
      'command payment.process',
      'reply payment.succeeded',
    ]);
  });

  it('names the reply that confirmed the order as the cause of the order.confirmed event', async () => {
    const t = await connectedService();
    const id = await place(t, 'c-cause');
    await finalState(t, id);
    const event = await t.service.database.db
      .selectFrom('outbox')
      .select('body')
      .where('correlation_id', '=', id)
      .where('type', '=', 'order.confirmed')
      .executeTakeFirstOrThrow();
    const { causationId } = JSON.parse(event.body) as { causationId: string };
    const cause = await t.service.database.db
      .selectFrom('inbox')
      .select('type')
      .where('message_id', '=', causationId)
      .executeTakeFirst();
    expect(cause?.type).toBe('payment.succeeded');
  });

  it('cancels an order for a product that is out of stock', async () => {
    const t = await connectedService({ SIM_STOCK: JSON.stringify({ 'sold-out': 0 }) });
    const id = await place(t, 'c-stock', [{ productId: 'sold-out', quantity: 1, price: 5 }]);
    const cancelled = await finalState(t, id);
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.cancellationReason).toBe('out of stock: sold-out');
    expect(cancelled.payment.status).toBe('NOT_STARTED');
  });

  it('releases the stock and cancels when the payment is declined', async () => {
    const t = await connectedService({ SIM_PAYMENT_DECLINE_ABOVE: '100.00' });
    const id = await place(t, 'c-declined', [{ productId: 'sku-1', quantity: 3, price: 50 }]);
    const cancelled = await finalState(t, id);
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.cancellationReason).toMatch(/^payment declined/);
    // RELEASING until inventory confirms the release.
    await expect
      .poll(async () => (await order(t, id)).inventory.status, { timeout: 10_000 })
      .toBe('RELEASED');
    expect((await timeline(t, id)).map((entry) => `${entry.kind} ${entry.messageType}`)).toContain(
      'compensation inventory.release',
    );
  });

  it('compensates a step that times out, and undoes the late reply harmlessly', async () => {
    const t = await connectedService({ SIM_LATENCY_MS: '1500', SAGA_STEP_TIMEOUT_MS: '300' });
    const id = await place(t, 'c-slow');
    const cancelled = await finalState(t, id);
    expect(cancelled.cancellationReason).toBe('inventory reservation timed out');
    await metricsShow(t, /^saga_outcomes_total\{outcome="timed_out"\} 1$/m);
    // The reservation still lands 1.5 s later; the saga answers it with a release.
    await expect
      .poll(
        async () =>
          (await timeline(t, id)).some(
            (entry) => entry.kind === 'compensation' && entry.detail === 'late reservation',
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
    expect((await order(t, id)).status).toBe('CANCELLED');
  });

  it('applies a redelivered reply once: a copy of a reservation nobody asked for releases it once', async () => {
    const t = await connectedService();
    const id = await place(t, 'c-dupes');
    await finalState(t, id);
    // A second reservation with its own id would be released; the copy, if not dropped by the
    // inbox, would release it again and record a second unrequested effect.
    const stray = {
      exchange: topology.repliesExchange,
      routingKey: 'inventory.reserved',
      envelope: {
        messageId: uuidv7(),
        type: 'inventory.reserved',
        correlationId: id,
        causationId: null,
        occurredAt: new Date().toISOString(),
        payload: { orderId: id, reservationId: 'res-stray' },
      },
    };
    const consumed = async () => {
      const text = (await t.service.app.inject({ url: '/metrics' })).body;
      const line = text
        .split('\n')
        .find(
          (row) =>
            row.startsWith('message_processing_duration_seconds_count{') &&
            row.includes('type="inventory.reserved"'),
        );
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const before = await consumed();
    await t.service.bus.publish(stray);
    await t.service.bus.publish(stray);
    // Both copies consumed (the consumer counts every delivery it handled), then count effects.
    await expect.poll(consumed, { timeout: 10_000 }).toBe(before + 2);
    const entries = await timeline(t, id);
    expect(entries.filter((entry) => entry.kind === 'unrequested_effect')).toHaveLength(1);
    expect(
      entries.filter((entry) => entry.kind === 'compensation' && entry.messageType === 'inventory.release'),
    ).toHaveLength(1);
    await metricsShow(t, /^saga_unrequested_effects_total\{type="reservation"\} 1$/m);
    const inbox = await t.service.database.db
      .selectFrom('inbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('message_id', '=', stray.envelope.messageId)
      .executeTakeFirstOrThrow();
    expect(Number(inbox.n)).toBe(1);
    expect((await order(t, id)).status).toBe('CONFIRMED');
  });

  it('finishes every saga when the broker drops the connection mid-flight', async () => {
    const t = await connectedService();
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => place(t, `c-drop-${i % 4}`)));
    expect(await forceCloseConnections(`${t.prefix}order-service`)).toBeGreaterThan(0);
    const more = await Promise.all(Array.from({ length: 10 }, (_, i) => place(t, `c-drop-${i % 4}`)));
    for (const id of [...ids, ...more]) expect((await finalState(t, id, 20_000)).status).toBe('CONFIRMED');
  });

  it('resumes a saga after a restart in the middle', async () => {
    const prefix = uniquePrefix();
    const database = await createTestDatabase();
    cleanup.push(() => database.drop());
    // First instance: no participants answer, so the saga waits at its first step.
    const first = await connectedService(
      { MYSQL_DATABASE: database.name, SIMULATORS_EMBEDDED: 'false', SAGA_STEP_TIMEOUT_MS: '60000' },
      prefix,
    );
    const id = await place(first, 'c-restart');
    await expect.poll(async () => (await order(first, id)).inventory.status).toBe('PENDING');
    await first.stop();
    const second = await connectedService({ MYSQL_DATABASE: database.name }, prefix);
    expect((await finalState(second, id)).status).toBe('CONFIRMED');
  });

  it('publishes every command once with two instances on one database and broker', async () => {
    const prefix = uniquePrefix();
    const database = await createTestDatabase();
    cleanup.push(() => database.drop());
    const shared = { MYSQL_DATABASE: database.name, OUTBOX_BATCH_SIZE: '5' };
    const a = await connectedService(shared, prefix);
    const b = await connectedService({ ...shared, SIMULATORS_EMBEDDED: 'false' }, prefix);
    // A tap on the commands exchange sees every command the relays publish.
    const tap = `${prefix}test.command-tap`;
    await admin.queueDeclare({ queue: tap, durable: false });
    await admin.queueBind({ queue: tap, exchange: `${prefix}${topology.commandsExchange}`, routingKey: '#' });
    cleanup.push(async () => void (await admin.queueDelete({ queue: tap })));

    const n = 40;
    const ids = await Promise.all(
      Array.from({ length: n }, (_, i) => place(i % 2 ? a : b, `c-pair-${i % 5}`)),
    );
    for (const id of ids) expect((await finalState(a, id, 20_000)).status).toBe('CONFIRMED');

    // Every order is final, so any duplicate was published already; a marker sent now arrives after it.
    const marker = admin.createPublisher({ confirm: true });
    await marker.send(
      { exchange: `${prefix}${topology.commandsExchange}`, routingKey: 'test.marker' },
      { type: 'test.marker' },
    );
    await marker.close();
    const commands: Awaited<ReturnType<typeof getAll>> = [];
    await expect
      .poll(
        async () => {
          commands.push(...(await getAll(admin, tap)));
          return commands.some((message) => (message.body as { type: string }).type === 'test.marker');
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    const seen = commands
      .map((message) => message.body as { messageId: string; type: string })
      .filter((command) => command.type !== 'test.marker');
    expect(seen).toHaveLength(2 * n);
    expect(new Set(seen.map((command) => command.messageId)).size).toBe(2 * n);
    expect(seen.filter((command) => command.type === 'inventory.reserve')).toHaveLength(n);
    expect(seen.filter((command) => command.type === 'payment.process')).toHaveLength(n);
  });

  it('dead-letters a reply it cannot understand after the bounded attempts', async () => {
    const t = await connectedService({ MESSAGE_MAX_ATTEMPTS: '2' });
    const poison = {
      exchange: topology.repliesExchange,
      routingKey: 'inventory.exploded',
      envelope: {
        messageId: uuidv7(),
        type: 'inventory.exploded',
        correlationId: uuidv7(),
        causationId: null,
        occurredAt: new Date().toISOString(),
        payload: {},
      },
    };
    await t.service.bus.publish(poison);
    // The service's dead-letter consumer stores what reaches the dead-letter queue.
    const stored = () =>
      t.service.database.db
        .selectFrom('dead_letters')
        .select(['error', 'attempts'])
        .where('message_id', '=', poison.envelope.messageId)
        .executeTakeFirst();
    await expect.poll(stored, { timeout: 10_000 }).toBeDefined();
    const dead = await stored();
    expect(dead?.error).toMatch(/Not a reply this service understands/);
    expect(dead?.attempts).toBe(2);
  });
});

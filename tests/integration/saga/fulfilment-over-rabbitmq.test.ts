import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMariaDb, requireRabbitMq } from '../../support/services.js';
import { type SimulatorProcess, startSimulatorProcess } from '../../support/simulator-process.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { adminConnection, deleteTopology, uniquePrefix } from '../messaging/rabbitmq-kit.js';

const available = (await requireMariaDb()) && (await requireRabbitMq());

/** The connected shape: MariaDB, RabbitMQ, and the simulators as their own process (npm run simulators). */
describe.skipIf(!available)('shipments and refunds over RabbitMQ, simulators in their own process', () => {
  const prefix = uniquePrefix();
  let simulators: SimulatorProcess;
  let t: TestService;

  beforeAll(async () => {
    const broker = {
      RABBITMQ_HOST: process.env.RABBITMQ_HOST || '127.0.0.1',
      RABBITMQ_PORT: process.env.RABBITMQ_PORT || '5672',
      RABBITMQ_NAME_PREFIX: prefix,
    };
    simulators = await startSimulatorProcess({ ENV: 'production', ...broker });
    t = await startTestService('mysql', { ...broker, SIMULATORS_EMBEDDED: 'false' });
  });
  afterAll(async () => {
    await t?.stop();
    await simulators?.stop();
    const admin = adminConnection();
    await deleteTopology(admin, prefix);
    await admin.close();
  });

  const request = async (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
    t.service.app.inject({
      method,
      url,
      headers: { authorization: await t.bearer('ops', ['admin']) },
      ...(payload && { payload }),
    });
  const order = async (id: string) => (await request('GET', `/api/orders/${id}`)).json();

  it('ships two products in two shipments, SHIPPED after the second, refunds part exactly, refuses over-shipping and over-refunding storing nothing, and reports the net revenue', async () => {
    const placed = await request('POST', '/api/orders', {
      customerId: 'c-rabbit',
      items: [
        { productId: 'p-a', quantity: 2, price: 12.5 },
        { productId: 'p-b', quantity: 1, price: 7.25 },
      ],
      shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
    });
    const id = placed.json().id as string;
    await expect.poll(async () => (await order(id)).status, { timeout: 20_000 }).toBe('CONFIRMED');

    const ship = (productId: string, quantity: number) =>
      request('POST', `/api/orders/${id}/shipments`, {
        items: [{ productId, quantity }],
        trackingNumber: `T-${productId}`,
      });
    expect((await ship('p-a', 2)).statusCode).toBe(201);
    expect(await order(id)).toMatchObject({ status: 'CONFIRMED', fulfilment: 'partial' });
    expect((await ship('p-b', 1)).statusCode).toBe(201);
    expect(await order(id)).toMatchObject({ status: 'SHIPPED', fulfilment: 'shipped' });
    await expect
      .poll(async () => (await order(id)).shipments.map((s: { stockStatus: string }) => s.stockStatus), {
        timeout: 20_000,
      })
      .toEqual(['COMMITTED', 'COMMITTED']);

    expect(
      (await request('POST', `/api/orders/${id}/refunds`, { amount: 4.99, reason: 'scratched' })).statusCode,
    ).toBe(202);
    await expect
      .poll(async () => (await order(id)).refunds.map((r: { status: string }) => r.status), {
        timeout: 20_000,
      })
      .toEqual(['SUCCEEDED']);
    expect((await order(id)).refundedAmount).toBe(4.99);

    // Refused with nothing stored on this shape too: more than is left to ship, more than is left to refund.
    const stored = async () =>
      t.service.database.db
        .selectFrom('orders')
        .select(['version', 'shipments', 'refunds'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const before = await stored();
    const overShip = await request('POST', `/api/orders/${id}/shipments`, {
      items: [{ productId: 'p-a', quantity: 1 }],
      trackingNumber: 'T-again',
    });
    expect(overShip.statusCode).toBe(409);
    expect(overShip.headers['content-type']).toMatch(/^application\/problem\+json/);
    const overRefund = await request('POST', `/api/orders/${id}/refunds`, {
      amount: 27.27,
      reason: 'too much',
    });
    expect(overRefund.statusCode).toBe(409);
    expect(overRefund.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await stored()).toEqual(before);

    // Net revenue, computed here from this database's only order: its total minus its refund.
    const summary = await request(
      'GET',
      `/api/orders/analytics/summary?from=2020-01-01T00:00:00Z&to=${new Date(Date.now() + 3_600_000).toISOString()}`,
    );
    expect(summary.statusCode, summary.body).toBe(200);
    expect(summary.json()).toMatchObject({ grossRevenue: 32.25, refundedAmount: 4.99, netRevenue: 27.26 });
  });
});

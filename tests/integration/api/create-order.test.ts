import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, databases, expectProblem, orderBody, startApi } from './api-kit.js';

describe.each(databases)('POST /api/orders on %s', (kind, available) => {
  let api: Api;
  beforeAll(async () => {
    if (available) api = await startApi(kind);
  });
  afterAll(async () => api?.close());
  const customer = () => api.as('123');

  it.skipIf(!available)('answers 201 with a Location header pointing at the new order', async () => {
    const response = await customer().request('POST', '/api/orders', orderBody());
    expect(response.statusCode).toBe(201);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers.location).toBe(`/api/orders/${response.json().id}`);
  });

  it.skipIf(!available)('returns the whole order, PENDING, with a time-ordered id', async () => {
    const order = await customer().placeOrder(orderBody());
    expect(order).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      customerId: '123',
      status: 'PENDING',
      items: [{ productId: '456', quantity: 2, price: 29.99, lineTotal: 59.98 }],
      shippingAddress: { street: '123 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
      totalAmount: 59.98,
      currency: 'USD',
      trackingNumber: null,
      cancellationReason: null,
      payment: { status: 'NOT_STARTED', transactionId: null },
      inventory: { status: 'PENDING', reservationId: null },
      fulfilment: 'unfulfilled',
      shipments: [],
      refunds: [],
      refundedAmount: 0,
      statusHistory: [
        {
          status: 'PENDING',
          changedAt: order.createdAt,
          changedBy: 'customer',
          reason: null,
          causationId: null,
        },
      ],
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      updatedAt: order.createdAt,
      version: 1,
    });
  });

  it.skipIf(!available)('gives later orders larger ids', async () => {
    const first = await customer().placeOrder(orderBody());
    const second = await customer().placeOrder(orderBody());
    expect(second.id > first.id).toBe(true);
  });

  it.skipIf(!available)('computes line totals and the total without float error', async () => {
    const order = await customer().placeOrder(
      orderBody({
        items: [
          { productId: 'a', quantity: 3, price: 0.1 },
          { productId: 'b', quantity: 1, price: 0.2 },
          { productId: 'c', quantity: 7, price: 19.99 },
        ],
      }),
    );
    expect(order.items.map((item: { lineTotal: number }) => item.lineTotal)).toEqual([0.3, 0.2, 139.93]);
    expect(order.totalAmount).toBe(140.43);
  });

  it.skipIf(!available)('stores the order so it can be read back', async () => {
    const order = await customer().placeOrder(orderBody());
    const read = await customer().getOrder(order.id);
    expect(read.json()).toMatchObject({ id: order.id, totalAmount: 59.98, items: order.items });
  });

  it.skipIf(!available)('defaults the currency to USD', async () => {
    expect((await customer().placeOrder(orderBody())).currency).toBe('USD');
  });

  it.skipIf(!available)('keeps another currency and its minor digits', async () => {
    const order = await customer().placeOrder(
      orderBody({ currency: 'JPY', items: [{ productId: 'a', quantity: 2, price: 1500 }] }),
    );
    expect(order).toMatchObject({ currency: 'JPY', totalAmount: 3000 });
  });

  it.skipIf(!available)('refuses decimals the currency does not have', async () => {
    const response = await customer().request(
      'POST',
      '/api/orders',
      orderBody({ currency: 'JPY', items: [{ productId: 'a', quantity: 1, price: 15.5 }] }),
    );
    expect(expectProblem(response, 400).errors).toEqual([
      { field: '/items/0/price', message: expect.any(String) },
    ]);
  });

  it.skipIf(!available)('lets staff place an order for any customer', async () => {
    const order = await api.as('fulfilment', 'service').placeOrder(orderBody({ customerId: 'someone-else' }));
    expect(order.customerId).toBe('someone-else');
  });

  it.skipIf(!available)('forbids a customer to order for another customer', async () => {
    const response = await api.as('123').request('POST', '/api/orders', orderBody({ customerId: '999' }));
    expectProblem(response, 403);
    const history = await api.as('999').history('999');
    expect(history.json().total).toBe(0);
  });

  it.skipIf(!available)(
    'writes the order, its items, one history entry, its first command and its timeline in one go',
    async () => {
      const order = await customer().placeOrder(
        orderBody({
          items: [
            { productId: 'a', quantity: 1, price: 1 },
            { productId: 'b', quantity: 1, price: 2 },
          ],
        }),
      );
      const { db } = api.t.service.database;
      const rows = async (table: 'order_items' | 'order_status_history', column: 'order_id') =>
        (await db.selectFrom(table).select(column).where(column, '=', order.id).execute()).length;
      expect(await rows('order_items', 'order_id')).toBe(2);
      expect(await rows('order_status_history', 'order_id')).toBe(1);
      const outbox = await db
        .selectFrom('outbox')
        .select(['type', 'message_id'])
        .where('correlation_id', '=', order.id)
        .orderBy('id')
        .execute();
      // The saga may already have moved on; its first command and the creation event are there.
      expect(
        outbox
          .slice(0, 2)
          .map((row) => row.type)
          .sort(),
      ).toEqual(['inventory.reserve', 'order.created']);
      const [first] = (await customer().timeline(order.id)).json().entries;
      expect(first).toMatchObject({
        kind: 'command',
        messageType: 'inventory.reserve',
        messageId: outbox.find((row) => row.type === 'inventory.reserve')?.message_id,
      });
    },
  );
});

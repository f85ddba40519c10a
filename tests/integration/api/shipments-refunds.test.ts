import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, databases, expectProblem, orderBody, startApi, waitForStatus } from './api-kit.js';

/** Two products: 2 × p-a at 12.50 and 1 × p-b at 7.25 (total 32.25). */
const twoProducts = orderBody({
  items: [
    { productId: 'p-a', quantity: 2, price: 12.5 },
    { productId: 'p-b', quantity: 1, price: 7.25 },
  ],
});

describe.each(databases)('shipments and refunds over HTTP on %s (in-process bus)', (kind, available) => {
  let api: Api;
  beforeAll(async () => {
    if (available) api = await startApi(kind);
  });
  afterAll(async () => api?.close());
  const admin = () => api.as('ops', 'admin');
  const fulfilment = () => api.as('fulfilment', 'service');
  const order = async (id: string) => (await admin().getOrder(id)).json();
  /** What is stored of one order: its row's version and its outbox and idempotency rows. */
  async function stored(id: string) {
    const { db } = api.t.service.database;
    const count = async (table: 'outbox' | 'idempotency_keys', column: 'correlation_id' | 'order_id') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where(column, '=', id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const row = await db
      .selectFrom('orders')
      .select(['version', 'shipments', 'refunds'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return {
      version: Number(row.version),
      shipments: JSON.parse(row.shipments).length as number,
      refunds: JSON.parse(row.refunds).length as number,
      outbox: await count('outbox', 'correlation_id'),
      idempotencyKeys: await count('idempotency_keys', 'order_id'),
    };
  }

  async function confirmedOrder(): Promise<string> {
    const placed = await admin().placeOrder(twoProducts);
    await waitForStatus(api, placed.id, 'CONFIRMED');
    return placed.id;
  }
  const ship = (
    id: string,
    items: { productId: string; quantity: number }[],
    trackingNumber = 'TRK-1',
    headers?: Record<string, string>,
  ) =>
    fulfilment().request(
      'POST',
      `/api/orders/${id}/shipments`,
      { items, trackingNumber, carrier: 'UPS' },
      headers,
    );
  const refund = (id: string, body: Record<string, unknown>, headers?: Record<string, string>) =>
    admin().request('POST', `/api/orders/${id}/refunds`, body, headers);

  it.skipIf(!available)('reaches SHIPPED only with the second of two shipments', async () => {
    const id = await confirmedOrder();
    const first = await ship(id, [{ productId: 'p-a', quantity: 2 }], 'TRK-A');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      id: expect.any(String),
      items: [{ productId: 'p-a', quantity: 2 }],
      trackingNumber: 'TRK-A',
      carrier: 'UPS',
      shippedAt: expect.any(String),
    });
    expect(await order(id)).toMatchObject({ status: 'CONFIRMED', fulfilment: 'partial' });
    const partial = await admin().request('GET', `/api/orders/search?fulfilment=partial&q=${id}`);
    expect(partial.json().items.map((o: { id: string }) => o.id)).toEqual([id]);

    const second = await ship(id, [{ productId: 'p-b', quantity: 1 }], 'TRK-B');
    expect(second.statusCode, second.body).toBe(201);
    expect(await order(id)).toMatchObject({
      status: 'SHIPPED',
      fulfilment: 'shipped',
      trackingNumber: 'TRK-B',
      shipments: [{ trackingNumber: 'TRK-A' }, { trackingNumber: 'TRK-B' }],
    });
    // Each shipment committed its units through the inventory participant.
    await expect
      .poll(async () => (await order(id)).shipments.map((s: { stockStatus: string }) => s.stockStatus), {
        timeout: 10_000,
      })
      .toEqual(['COMMITTED', 'COMMITTED']);
    expect((await order(id)).inventory.status).toBe('COMMITTED');
    const timeline = (await admin().request('GET', `/api/orders/${id}/timeline`)).json();
    const commits = timeline.entries.filter(
      (e: { kind: string; messageType: string | null }) =>
        e.kind === 'command' && e.messageType === 'inventory.commit',
    );
    expect(commits).toHaveLength(2);
    const search = await admin().request('GET', `/api/orders/search?fulfilment=shipped&q=${id}`);
    expect(search.json().items.map((o: { id: string }) => o.id)).toEqual([id]);
  });

  it.skipIf(!available)('refuses to ship more than is left, storing nothing', async () => {
    const id = await confirmedOrder();
    expect((await ship(id, [{ productId: 'p-a', quantity: 1 }])).statusCode).toBe(201);
    // Let the first shipment's stock commit finish, so only the refused request could change anything.
    await expect
      .poll(async () => (await order(id)).shipments[0].stockStatus, { timeout: 10_000 })
      .toBe('COMMITTED');
    const [before, rows] = [await order(id), await stored(id)];
    expect(rows.shipments).toBe(1);
    const problem = expectProblem(await ship(id, [{ productId: 'p-a', quantity: 2 }]), 409);
    expect(problem.type).toBe('urn:problem:over_shipment');
    expectProblem(await ship(id, [{ productId: 'not-ordered', quantity: 1 }]), 409);
    expect(await order(id)).toEqual(before);
    expect(await stored(id)).toEqual(rows);
  });

  it.skipIf(!available)('keeps PUT status SHIPPED as “ship everything left in one shipment”', async () => {
    const id = await confirmedOrder();
    await ship(id, [{ productId: 'p-a', quantity: 1 }]);
    const response = await fulfilment().setStatus(id, { status: 'SHIPPED', trackingNumber: 'TRK-REST' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().shipments.at(-1)).toMatchObject({
      trackingNumber: 'TRK-REST',
      items: [
        { productId: 'p-a', quantity: 1 },
        { productId: 'p-b', quantity: 1 },
      ],
    });
  });

  it.skipIf(!available)(
    'refunds part of an order: 202 REQUESTED, then SUCCEEDED with the exact amount',
    async () => {
      const id = await confirmedOrder();
      const response = await refund(id, { amount: 10.01, reason: 'damaged box' });
      expect(response.statusCode, response.body).toBe(202);
      expect(response.json()).toMatchObject({ id: expect.any(String), amount: 10.01, status: 'REQUESTED' });
      await expect
        .poll(async () => (await order(id)).refunds.map((r: { status: string }) => r.status), {
          timeout: 10_000,
        })
        .toEqual(['SUCCEEDED']);
      const itemRefund = await refund(id, { items: [{ productId: 'p-b', quantity: 1 }], reason: 'missing' });
      expect(itemRefund.json()).toMatchObject({ amount: 7.25 });
      await expect.poll(async () => (await order(id)).refundedAmount, { timeout: 10_000 }).toBe(17.26);
      const search = await admin().request('GET', `/api/orders/search?refunded=true&q=${id}`);
      expect(search.json().items.map((o: { id: string }) => o.id)).toEqual([id]);
      // The timeline shows each refund's command and the payment service's reply.
      const timeline = (await admin().request('GET', `/api/orders/${id}/timeline`)).json();
      const seen = timeline.entries.map(
        (e: { kind: string; messageType: string | null }) => `${e.kind} ${e.messageType}`,
      );
      expect(seen.filter((entry: string) => entry === 'command payment.refund')).toHaveLength(2);
      expect(seen.filter((entry: string) => entry === 'reply payment.refunded')).toHaveLength(2);
    },
  );

  it.skipIf(!available)(
    'refuses to refund more than captured minus what was refunded, storing nothing',
    async () => {
      const id = await confirmedOrder();
      expect((await refund(id, { amount: 30, reason: 'first' })).statusCode).toBe(202);
      // Settled first, so only the refused request could change anything (refunds still under way
      // count against the limit too: tests/unit/domain/shipments-refunds.test.ts).
      await expect.poll(async () => (await order(id)).refundedAmount, { timeout: 10_000 }).toBe(30);
      const rows = await stored(id);
      expect(rows.refunds).toBe(1);
      const problem = expectProblem(
        await refund(id, { amount: 2.26, reason: 'too much' }, { 'idempotency-key': `over-${id}` }),
        409,
      );
      expect(problem.type).toBe('urn:problem:over_refund');
      expect(await stored(id)).toEqual(rows);
      expect((await refund(id, { amount: 2.25, reason: 'the rest' })).statusCode).toBe(202);
    },
  );

  it.skipIf(!available)('replays a refund sent again with the same Idempotency-Key', async () => {
    const id = await confirmedOrder();
    const headers = { 'idempotency-key': `refund-${id}` };
    const first = await refund(id, { amount: 1, reason: 'goodwill' }, headers);
    const again = await refund(id, { amount: 1, reason: 'goodwill' }, headers);
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    expect((await order(id)).refunds).toHaveLength(1);
    expectProblem(await refund(id, { amount: 2, reason: 'goodwill' }, headers), 422);
  });

  it.skipIf(!available)(
    'answers a shipment sent again with the same Idempotency-Key with the first, shipping nothing more',
    async () => {
      const id = await confirmedOrder();
      const headers = { 'idempotency-key': `ship-${id}` };
      const first = await ship(id, [{ productId: 'p-a', quantity: 1 }], 'TRK-1', headers);
      expect(first.statusCode, first.body).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      // Settled first (the stock commit's reply moves the order on), so only the repeats could change anything.
      await expect
        .poll(async () => (await order(id)).shipments[0]?.stockStatus, { timeout: 10_000 })
        .toBe('COMMITTED');
      const rows = await stored(id);
      // Without the key this repeat would ship the second unit of p-a.
      const again = await ship(id, [{ productId: 'p-a', quantity: 1 }], 'TRK-1', headers);
      expect(again.statusCode).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
      expect(await stored(id)).toEqual(rows);
      expect((await order(id)).shipments).toHaveLength(1);
      // The same key with another shipment is refused, and nothing is stored.
      const problem = expectProblem(
        await ship(id, [{ productId: 'p-b', quantity: 1 }], 'TRK-2', headers),
        422,
      );
      expect(problem.type).toBe('urn:problem:idempotency_conflict');
      expect(await stored(id)).toEqual(rows);
    },
  );

  it.skipIf(!available).each([
    ['shipments', { items: [{ productId: 'p-a', quantity: 1 }], trackingNumber: 'T-1' }],
    ['refunds', { amount: 1, reason: 'x' }],
  ])('forbids %s to customers', async (path, body) => {
    const placed = await api.as('123').placeOrder(twoProducts);
    expectProblem(await api.as('123').request('POST', `/api/orders/${placed.id}/${path}`, body), 403);
  });

  it.skipIf(!available).each([
    ['an empty shipment', 'shipments', { items: [], trackingNumber: 'T' }],
    ['a shipment without tracking number', 'shipments', { items: [{ productId: 'p-a', quantity: 1 }] }],
    [
      'a refund with amount and items',
      'refunds',
      { amount: 1, items: [{ productId: 'p-a', quantity: 1 }], reason: 'x' },
    ],
    ['a refund of zero', 'refunds', { amount: 0, reason: 'x' }],
    ['a refund with three decimals', 'refunds', { amount: 1.001, reason: 'x' }],
  ])('answers 400 for %s', async (_name, path, body) => {
    const id = await confirmedOrder();
    expectProblem(await admin().request('POST', `/api/orders/${id}/${path}`, body), 400);
  });

  it.skipIf(!available)(
    'cancels only the unshipped part of a partly shipped order, refunding its price',
    async () => {
      const id = await confirmedOrder();
      await ship(id, [{ productId: 'p-a', quantity: 1 }]);
      const response = await api.as('123').setStatus(id, { status: 'CANCELLED', reason: 'too slow' });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ status: 'SHIPPED', fulfilment: 'shipped' });
      // 1 × p-a at 12.50 and 1 × p-b at 7.25 never ship: 19.75 comes back.
      await expect.poll(async () => (await order(id)).refundedAmount, { timeout: 10_000 }).toBe(19.75);
    },
  );

  it.skipIf(!available)(
    'reports net revenue equal to gross minus refunds, computed from the orders',
    async () => {
      const hour = 3_600_000;
      const from = new Date(Math.floor(Date.now() / hour) * hour - 48 * hour).toISOString();
      const to = new Date(Math.ceil(Date.now() / hour) * hour + hour).toISOString();
      const id = await confirmedOrder();
      await refund(id, { amount: 3.33, reason: 'late' });
      await expect.poll(async () => (await order(id)).refundedAmount, { timeout: 10_000 }).toBe(3.33);
      // Every order of this service, read back one by one; refunds still under way do not count yet.
      const ids: string[] = [];
      for (let cursor: string | null = '', page = 0; cursor !== null && page < 50; page += 1) {
        const response = await admin().request(
          'GET',
          `/api/orders/search?currency=USD&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
        );
        ids.push(...response.json().items.map((o: { id: string }) => o.id));
        cursor = response.json().nextCursor;
      }
      const orders = await Promise.all(ids.map(order));
      await expect
        .poll(
          async () => {
            const latest = await Promise.all(ids.map(order));
            return latest.every((o) => o.refunds.every((r: { status: string }) => r.status !== 'REQUESTED'));
          },
          { timeout: 10_000 },
        )
        .toBe(true);
      const settled = await Promise.all(ids.map(order));
      const cents = (amount: number) => Math.round(amount * 100);
      const sales = settled.filter((o) => o.status !== 'CANCELLED');
      const gross = sales.reduce((sum, o) => sum + cents(o.totalAmount), 0);
      const refunded = sales.reduce((sum, o) => sum + cents(o.refundedAmount), 0);
      expect(refunded).toBeGreaterThan(0);
      expect(orders.length).toBe(settled.length);
      const summary = (
        await admin().request('GET', `/api/orders/analytics/summary?from=${from}&to=${to}`)
      ).json();
      expect(summary).toMatchObject({
        orderCount: settled.length,
        grossRevenue: gross / 100,
        refundedAmount: refunded / 100,
        netRevenue: (gross - refunded) / 100,
      });
    },
  );
});

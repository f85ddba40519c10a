import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderState } from '../../../src/domain/order.js';
import { insertOrdersInBulk } from '../../../src/infrastructure/db/bulk-orders.js';
import { requireMariaDb } from '../../support/services.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { base, day, fixtureOrders, getter, hour, ordersOverYears, untilServing } from './fixtures.js';

const mariaDb = await requireMariaDb();

/** Decimal of minor units for 2-digit currencies, computed here independently of src/domain/money. */
const decimal = (minor: number) => minor / 100;

/** Refunds arrive with shipments and refunds (issue 11, phase B): none in these fixtures yet. */
const refundedOf = (_order: OrderState) => 0;

/** The reason group, read from the reason and the actor's default text the fixtures give. */
function categoryOf(order: OrderState): string {
  const reason = order.cancellationReason ?? '';
  if (reason.startsWith('out of stock')) return 'out_of_stock';
  if (reason.startsWith('payment declined')) return 'payment_declined';
  if (reason.endsWith('timed out')) return 'timed_out';
  return reason === 'cancelled by admin' ? 'admin' : 'customer';
}

/** The figures the API should report, computed straight from the orders in plain JavaScript. */
function expectedSummary(orders: OrderState[], from: number, to: number, currency: string) {
  const inWindow = orders.filter(
    (o) => o.currency === currency && o.createdAt.getTime() >= from && o.createdAt.getTime() < to,
  );
  const sales = inWindow.filter((o) => o.status !== 'CANCELLED');
  const revenue = sales.reduce((sum, o) => sum + o.totalMinor, 0);
  const refunded = sales.reduce((sum, o) => sum + refundedOf(o), 0);
  const cancelled = inWindow.length - sales.length;
  return {
    orderCount: inWindow.length,
    grossRevenue: decimal(revenue),
    refundedAmount: decimal(refunded),
    netRevenue: decimal(revenue - refunded),
    averageOrderValue: sales.length === 0 ? 0 : decimal(Math.round(revenue / sales.length)),
    cancelledCount: cancelled,
    cancellationRate: inWindow.length === 0 ? 0 : Math.round((cancelled / inWindow.length) * 10_000) / 10_000,
    cancellationsByCategory: Object.fromEntries(
      ['out_of_stock', 'payment_declined', 'timed_out', 'customer', 'admin'].map((category) => [
        category,
        inWindow.filter((o) => o.status === 'CANCELLED' && categoryOf(o) === category).length,
      ]),
    ),
    byStatus: ['PENDING', 'CONFIRMED', 'PROCESSING', 'SHIPPED', 'DELIVERED', 'CANCELLED'].map((status) => {
      const withStatus = inWindow.filter((o) => o.status === status);
      return {
        status,
        count: withStatus.length,
        totalAmount: decimal(withStatus.reduce((s, o) => s + o.totalMinor, 0)),
      };
    }),
  };
}

describe.each([
  ['sqlite', true],
  ['mysql', mariaDb],
] as const)('order analytics on %s', (kind, available) => {
  let t: TestService;
  let get: ReturnType<typeof getter>;
  const orders = fixtureOrders();
  const yearsOfOrders = ordersOverYears();
  const from = base;
  const to = base + 14 * day;
  const window = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;

  beforeAll(async () => {
    if (!available) return;
    t = await startTestService(kind);
    get = getter(t);
    await insertOrdersInBulk(t.service.database.db, t.service.database.dialect, [
      ...orders,
      ...yearsOfOrders,
    ]);
    await untilServing(t);
  });
  afterAll(async () => t?.stop());

  it.skipIf(!available)('summarises count, revenue, average, statuses and cancellations', async () => {
    const { status, body } = await get(`/api/orders/analytics/summary?${window}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      currency: 'USD',
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      ...expectedSummary(orders, from, to, 'USD'),
    });
  });

  it.skipIf(!available)('counts cancellations of every reason group', async () => {
    const counts = { out_of_stock: 0, payment_declined: 0, timed_out: 0, customer: 0, admin: 0 };
    for (const currency of ['USD', 'EUR']) {
      const { body } = await get(`/api/orders/analytics/summary?${window}&currency=${currency}`);
      for (const [category, count] of Object.entries(body.cancellationsByCategory))
        counts[category as keyof typeof counts] += count as number;
    }
    for (const count of Object.values(counts)) expect(count).toBeGreaterThan(0);
  });

  // Edges mid-hour, mid-day and mid-month: months, days and hours of the rollup all take part.
  it.skipIf(!available).each([
    ['six years', '2020-01-01T00:00:00Z', '2026-01-01T00:00:00Z'],
    ['odd edges over five years', '2020-02-14T05:30:00Z', '2025-11-03T17:10:00Z'],
    ['one month and a bit', '2021-03-30T22:00:00Z', '2021-05-02T01:00:00Z'],
    ['within one day', '2022-06-10T03:00:00Z', '2022-06-10T21:00:00Z'],
  ])('summarises any window, %s, without a bucket limit', async (_name, start, end) => {
    const { status, body } = await get(`/api/orders/analytics/summary?from=${start}&to=${end}&currency=GBP`);
    expect(status, JSON.stringify(body)).toBe(200);
    const [from, to] = [
      Math.floor(Date.parse(start) / hour) * hour,
      Math.ceil(Date.parse(end) / hour) * hour,
    ];
    expect(body).toEqual({
      currency: 'GBP',
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      ...expectedSummary(yearsOfOrders, from, to, 'GBP'),
    });
  });

  it.skipIf(!available)('finds orders in the multi-year fixtures it summarises', async () => {
    const { body } = await get(
      '/api/orders/analytics/summary?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&currency=GBP',
    );
    expect(body.orderCount).toBe(yearsOfOrders.length);
    expect(body.cancelledCount).toBeGreaterThan(0);
  });

  it.skipIf(!available)('never mixes currencies', async () => {
    const { body } = await get(`/api/orders/analytics/summary?${window}&currency=EUR`);
    expect(body).toMatchObject(expectedSummary(orders, from, to, 'EUR'));
    expect(body.orderCount).toBeGreaterThan(0);
  });

  it.skipIf(!available)('widens a window to whole hours', async () => {
    const narrow = `from=${new Date(from + 7 * hour + 5 * 60_000).toISOString()}&to=${new Date(from + 20 * hour + 1).toISOString()}`;
    const { body } = await get(`/api/orders/analytics/summary?${narrow}`);
    expect(body.from).toBe(new Date(from + 7 * hour).toISOString());
    expect(body.to).toBe(new Date(from + 21 * hour).toISOString());
    expect(body.orderCount).toBe(
      expectedSummary(orders, from + 7 * hour, from + 21 * hour, 'USD').orderCount,
    );
  });

  it.skipIf(!available).each([
    ['hour', hour],
    ['day', day],
    ['week', 7 * day],
  ] as const)('lists every %s bucket, empty ones included', async (interval, width) => {
    const { status, body } = await get(`/api/orders/analytics/timeseries?interval=${interval}&${window}`);
    expect(status).toBe(200);
    const expected = [];
    for (let start = from; start < to; start += width) {
      const inBucket = orders.filter(
        (o) =>
          o.currency === 'USD' && o.createdAt.getTime() >= start && o.createdAt.getTime() < start + width,
      );
      const sales = inBucket.filter((o) => o.status !== 'CANCELLED');
      const gross = sales.reduce((s, o) => s + o.totalMinor, 0);
      const refunded = sales.reduce((s, o) => s + refundedOf(o), 0);
      expected.push({
        start: new Date(start).toISOString(),
        orders: inBucket.length,
        grossRevenue: decimal(gross),
        refundedAmount: decimal(refunded),
        netRevenue: decimal(gross - refunded),
      });
    }
    expect(body.buckets).toEqual(expected);
    if (interval === 'hour')
      expect(body.buckets.some((bucket: { orders: number }) => bucket.orders === 0)).toBe(true);
  });

  /** Widened to whole UTC days like the API does, then ranked straight from the orders. */
  function expectedTop(from: number, to: number, limit: number, cancelled: ReadonlySet<string> = new Set()) {
    const [start, end] = [Math.floor(from / day) * day, Math.ceil(to / day) * day];
    const totals = new Map<string, { quantity: number; revenue: number }>();
    for (const order of orders) {
      const at = order.createdAt.getTime();
      if (order.currency !== 'USD' || order.status === 'CANCELLED' || cancelled.has(order.id)) continue;
      if (at < start || at >= end) continue;
      for (const item of order.items) {
        const total = totals.get(item.productId) ?? { quantity: 0, revenue: 0 };
        total.quantity += item.quantity;
        total.revenue += item.lineTotalMinor;
        totals.set(item.productId, total);
      }
    }
    const ranked = (key: 'quantity' | 'revenue') =>
      [...totals.entries()]
        .sort(([a, x], [b, y]) => y[key] - x[key] || (a < b ? -1 : 1))
        .slice(0, limit)
        .map(([productId, total]) => ({
          productId,
          quantity: total.quantity,
          revenue: decimal(total.revenue),
        }));
    return {
      from: new Date(start).toISOString(),
      to: new Date(end).toISOString(),
      byQuantity: ranked('quantity'),
      byRevenue: ranked('revenue'),
    };
  }

  // The fixtures start on Monday March 2: whole weeks come from the weekly rollup, edges from days.
  it.skipIf(!available).each([
    ['two whole weeks', from, to],
    ['partial weeks at both edges', from + 2 * day + 5 * hour, from + 16 * day + 3 * hour],
    ['days inside one week', from + 8 * day, from + 11 * day],
    ['days across one Monday', from + 5 * day + 1, from + 9 * day],
    ['a month edge (February into March)', Date.UTC(2026, 1, 25), Date.UTC(2026, 2, 12, 7)],
    ['every fixture', from - 3 * day, from + 21 * day],
  ])('ranks products by quantity and by revenue without cancelled orders: %s', async (_name, start, end) => {
    const { status, body } = await get(
      `/api/orders/analytics/top-products?from=${new Date(start).toISOString()}&to=${new Date(end).toISOString()}&limit=3`,
    );
    expect(status).toBe(200);
    const expected = expectedTop(start, end, 3);
    expect(body).toMatchObject(expected);
    expect(expected.byQuantity.length).toBeGreaterThan(0);
  });

  it.skipIf(!available)('moves an order between statuses when it is cancelled through the API', async () => {
    const confirmed = orders.find(
      (o) => o.status === 'CONFIRMED' && o.currency === 'USD' && o.createdAt.getTime() < to,
    ) as OrderState;
    const before = (await get(`/api/orders/analytics/summary?${window}`)).body;
    const cancel = await t.service.app.inject({
      method: 'PUT',
      url: `/api/orders/${confirmed.id}/status`,
      headers: { authorization: await t.bearer('ops', ['admin']) },
      payload: { status: 'CANCELLED', reason: 'test' },
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    const after = (await get(`/api/orders/analytics/summary?${window}`)).body;
    const byStatus = (summary: typeof before, status: string) =>
      summary.byStatus.find((row: { status: string }) => row.status === status).count;
    expect(after.orderCount).toBe(before.orderCount);
    expect(after.cancelledCount).toBe(before.cancelledCount + 1);
    expect(byStatus(after, 'CONFIRMED')).toBe(byStatus(before, 'CONFIRMED') - 1);
    expect(after.grossRevenue).toBeCloseTo(before.grossRevenue - decimal(confirmed.totalMinor), 2);
    expect(after.cancellationsByCategory.admin).toBe(before.cancellationsByCategory.admin + 1);
    // The cancelled lines leave the daily and the weekly product rows alike.
    for (const [start, end] of [
      [from, to],
      [from + 2 * day + 5 * hour, to + 2 * day],
    ] as const) {
      const top = await get(
        `/api/orders/analytics/top-products?from=${new Date(start).toISOString()}&to=${new Date(end).toISOString()}&limit=5`,
      );
      expect(top.body).toMatchObject(expectedTop(start, end, 5, new Set([confirmed.id])));
    }
  });

  it.skipIf(!available).each(['summary', 'timeseries', 'top-products'])(
    'forbids %s to customers',
    async (report) => {
      const { status, headers } = await get(`/api/orders/analytics/${report}`, 'cust-1', ['customer']);
      expect(status).toBe(403);
      expect(headers['content-type']).toContain('application/problem+json');
    },
  );

  it.skipIf(!available).each([
    ['an unknown interval', 'timeseries?interval=month', '/querystring/interval'],
    [
      'from after to',
      `summary?from=${new Date(to).toISOString()}&to=${new Date(from).toISOString()}`,
      '/querystring/from',
    ],
    [
      'too many buckets',
      `timeseries?interval=hour&from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
      '/querystring/from',
    ],
    ['an unknown currency', 'summary?currency=XYZ', '/querystring/currency'],
    ['a limit of 0', 'top-products?limit=0', '/querystring/limit'],
  ])('rejects %s with a problem+json 400', async (_name, path, field) => {
    const { status, headers, body } = await get(`/api/orders/analytics/${path}`);
    expect(status).toBe(400);
    expect(headers['content-type']).toContain('application/problem+json');
    expect(body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });
});

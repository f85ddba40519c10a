import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderState } from '../../../src/domain/order.js';
import { insertOrdersInBulk } from '../../../src/infrastructure/db/bulk-orders.js';
import { requireMariaDb } from '../../support/services.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { base, day, fixtureOrders, getter, untilServing } from './fixtures.js';

const mariaDb = await requireMariaDb();

type Sort = { field: 'createdAt' | 'totalAmount'; order: 'asc' | 'desc' };

/** The expected order of a result, computed from the fixtures themselves. */
function sorted(orders: OrderState[], sort: Sort = { field: 'createdAt', order: 'desc' }): string[] {
  const key = (order: OrderState) =>
    sort.field === 'createdAt' ? order.createdAt.getTime() : order.totalMinor;
  const sign = sort.order === 'asc' ? 1 : -1;
  return [...orders]
    .sort((a, b) => sign * (key(a) - key(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
    .map((order) => order.id);
}

describe.each([
  ['sqlite', true],
  ['mysql', mariaDb],
] as const)('order search on %s', (kind, available) => {
  let t: TestService;
  let get: ReturnType<typeof getter>;
  const orders = fixtureOrders();
  const usd = orders.filter((order) => order.currency === 'USD');

  /** Follows nextCursor to the end and returns every id, checking each page's size. */
  async function allPages(
    query: string,
    limit = 7,
    subject = 'ops',
    roles: ('customer' | 'admin')[] = ['admin'],
  ) {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/orders/search?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const { status, body } = await get(url, subject, roles);
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(limit);
      ids.push(...body.items.map((order: { id: string }) => order.id));
      cursor = body.nextCursor;
    } while (cursor);
    return ids;
  }

  beforeAll(async () => {
    if (!available) return;
    t = await startTestService(kind, {}, { background: false });
    get = getter(t);
    await insertOrdersInBulk(t.service.database.db, t.service.database.dialect, orders);
    await untilServing(t);
  });
  afterAll(async () => t?.stop());

  const filters: Array<[string, string, (order: OrderState) => boolean]> = [
    ['status', 'status=SHIPPED', (o) => o.status === 'SHIPPED'],
    [
      'several statuses',
      'status=PENDING,CANCELLED',
      (o) => o.status === 'PENDING' || o.status === 'CANCELLED',
    ],
    [
      'repeated status',
      'status=PENDING&status=DELIVERED',
      (o) => o.status === 'PENDING' || o.status === 'DELIVERED',
    ],
    ['customerId', 'customerId=cust-2', (o) => o.customerId === 'cust-2'],
    ['productId', 'productId=p-3', (o) => o.items.some((item) => item.productId === 'p-3')],
    [
      'from and to',
      `from=${new Date(base + 3 * day).toISOString()}&to=${new Date(base + 6 * day).toISOString()}`,
      (o) => o.createdAt.getTime() >= base + 3 * day && o.createdAt.getTime() < base + 6 * day,
    ],
    [
      'minTotal and maxTotal (USD)',
      'minTotal=20&maxTotal=40.5',
      (o) => o.currency === 'USD' && o.totalMinor >= 2000 && o.totalMinor <= 4050,
    ],
    ['currency', 'currency=EUR', (o) => o.currency === 'EUR'],
    ['fulfilment shipped', 'fulfilment=shipped', (o) => o.status === 'SHIPPED' || o.status === 'DELIVERED'],
    [
      'fulfilment unfulfilled with status',
      'fulfilment=unfulfilled&status=CONFIRMED,SHIPPED',
      (o) => o.status === 'CONFIRMED',
    ],
    ['refunded=false', 'refunded=false&status=PENDING', (o) => o.status === 'PENDING'],
    ['city', 'city=Austin', (o) => o.shippingAddress.city === 'Austin'],
    ['state', 'state=CO', (o) => o.shippingAddress.state === 'CO'],
    ['zipCode', 'zipCode=02108', (o) => o.shippingAddress.zipCode === '02108'],
    ['trackingNumber', `trackingNumber=${orders[3]?.trackingNumber}`, (o) => o.id === orders[3]?.id],
    ['q as an order id', `q=${orders[7]?.id}`, (o) => o.id === orders[7]?.id],
    ['q as a customer id', 'q=cust-1', (o) => o.customerId === 'cust-1'],
    ['q as a product id', 'q=p-4', (o) => o.items.some((item) => item.productId === 'p-4')],
    ['q as a tracking number', `q=${orders[9]?.trackingNumber}`, (o) => o.id === orders[9]?.id],
    ['q as a city', 'q=Denver', (o) => o.shippingAddress.city === 'Denver'],
    [
      'q with other filters',
      'q=p-1&status=DELIVERED,SHIPPED&city=Boston',
      (o) =>
        o.items.some((item) => item.productId === 'p-1') &&
        (o.status === 'DELIVERED' || o.status === 'SHIPPED') &&
        o.shippingAddress.city === 'Boston',
    ],
    [
      'productId with customer and dates',
      `productId=p-0&customerId=cust-0&from=${new Date(base + 2 * day).toISOString()}`,
      (o) =>
        o.items.some((item) => item.productId === 'p-0') &&
        o.customerId === 'cust-0' &&
        o.createdAt.getTime() >= base + 2 * day,
    ],
  ];

  it.skipIf(!available).each(filters)('filters by %s', async (_name, query, matches) => {
    const expected = sorted(orders.filter(matches));
    expect(expected.length).toBeGreaterThan(0);
    expect(await allPages(query)).toEqual(expected);
  });

  it.skipIf(!available).each([
    ['createdAt', 'asc'],
    ['createdAt', 'desc'],
    ['totalAmount', 'asc'],
    ['totalAmount', 'desc'],
  ] as const)('sorts by %s %s across cursor pages', async (field, order) => {
    expect(await allPages(`currency=USD&sort=${field}&order=${order}`, 4)).toEqual(
      sorted(usd, { field, order }),
    );
  });

  it.skipIf(!available)('sorts a q search by total across its merged branches', async () => {
    const matches = orders.filter((o) => o.shippingAddress.city === 'Boston' || o.customerId === 'Boston');
    expect(await allPages('q=Boston&sort=totalAmount&order=asc', 5)).toEqual(
      sorted(matches, { field: 'totalAmount', order: 'asc' }),
    );
  });

  it.skipIf(!available)('pages by number like it pages by cursor', async () => {
    const expected = sorted(orders);
    const second = await get('/api/orders/search?page=2&limit=10');
    expect(second.body.items.map((order: { id: string }) => order.id)).toEqual(expected.slice(10, 20));
    expect(second.body).toMatchObject({ page: 2, limit: 10 });
  });

  it.skipIf(!available)('returns whole orders as GET /orders/{id} would', async () => {
    const { body } = await get(`/api/orders/search?q=${orders[4]?.id}`);
    const single = await get(`/api/orders/${orders[4]?.id}`);
    expect(body.items).toEqual([single.body]);
  });

  it.skipIf(!available)('confines a customer to its own orders', async () => {
    const mine = sorted(orders.filter((o) => o.customerId === 'cust-3'));
    expect(
      await allPages('status=PENDING,CONFIRMED,PROCESSING,SHIPPED,DELIVERED,CANCELLED', 5, 'cust-3', [
        'customer',
      ]),
    ).toEqual(mine);
    expect(await allPages('q=cust-1', 5, 'cust-3', ['customer'])).toEqual([]);
  });

  it.skipIf(!available)('forbids a customer to search another customer’s orders', async () => {
    const { status, headers } = await get('/api/orders/search?customerId=cust-1', 'cust-3', ['customer']);
    expect(status).toBe(403);
    expect(headers['content-type']).toContain('application/problem+json');
  });

  it.skipIf(!available).each([
    ['an unknown status', 'status=LOST', '/querystring/status'],
    ['a date that is not a date', 'from=yesterday', '/querystring/from'],
    [
      'from after to',
      `from=${new Date(base + day).toISOString()}&to=${new Date(base).toISOString()}`,
      '/querystring/from',
    ],
    ['minTotal above maxTotal', 'minTotal=50&maxTotal=10', '/querystring/minTotal'],
    ['too many decimals for the currency', 'minTotal=1.5&currency=JPY', '/querystring/minTotal'],
    ['a negative amount', 'maxTotal=-1', '/querystring/maxTotal'],
    ['an unknown sort', 'sort=customerId', '/querystring/sort'],
    ['an unknown filter', 'color=red', '/querystring/color'],
    ['a forged cursor', 'cursor=bm90LWEtY3Vyc29y', '/querystring/cursor'],
    ['a limit above 100', 'limit=101', '/querystring/limit'],
  ])('rejects %s with a problem+json 400', async (_name, query, field) => {
    const { status, headers, body } = await get(`/api/orders/search?${query}`);
    expect(status).toBe(400);
    expect(headers['content-type']).toContain('application/problem+json');
    expect(body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it.skipIf(!available)('rejects a cursor issued for another sort', async () => {
    const first = await get('/api/orders/search?limit=2&sort=totalAmount');
    const { status, body } = await get(`/api/orders/search?limit=2&cursor=${first.body.nextCursor}`);
    expect(status).toBe(400);
    expect(body.errors[0].field).toBe('/querystring/cursor');
  });
});

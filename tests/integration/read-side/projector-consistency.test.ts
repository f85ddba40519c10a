import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrdersInBulk } from '../../../src/infrastructure/db/bulk-orders.js';
import { loadOrders } from '../../../src/infrastructure/db/order-loader.js';
import type { Database } from '../../../src/infrastructure/db/schema.js';
import { requireMariaDb } from '../../support/services.js';
import { startTestService, type TestService } from '../../support/test-service.js';

const mariaDb = await requireMariaDb();

/** Every read-model row, in a stable order, with numbers as numbers (MariaDB returns BIGINT sums as text). */
async function readModelRows(db: Kysely<Database>) {
  const numbers = <T extends object>(rows: T[]) =>
    rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([key, value]) => [key, typeof value === 'bigint' ? Number(value) : value]),
      ),
    );
  return {
    summaries: numbers(await db.selectFrom('order_summaries').selectAll().orderBy('id').execute()),
    products: numbers(
      await db.selectFrom('order_products').selectAll().orderBy('product_id').orderBy('order_id').execute(),
    ),
    stats: numbers(
      await db
        .selectFrom('order_stats')
        .selectAll()
        .where('order_count', '!=', 0)
        .orderBy('currency')
        .orderBy('period')
        .orderBy('period_start')
        .orderBy('status')
        .orderBy('cancel_category')
        .execute(),
    ),
    sales: numbers(
      await db
        .selectFrom('product_sales_daily')
        .selectAll()
        .where('quantity', '!=', 0)
        .orderBy('currency')
        .orderBy('day_start')
        .orderBy('product_id')
        .execute(),
    ),
    weeklySales: numbers(
      await db
        .selectFrom('product_sales_weekly')
        .selectAll()
        .where('quantity', '!=', 0)
        .orderBy('currency')
        .orderBy('week_start')
        .orderBy('product_id')
        .execute(),
    ),
    customers: numbers(
      await db.selectFrom('customer_order_counts').selectAll().orderBy('customer_id').execute(),
    ),
  };
}

describe.each([
  ['sqlite', true],
  ['mysql', mariaDb],
] as const)('the read model on %s', (kind, available) => {
  let live: TestService;
  let rebuilt: TestService;
  beforeAll(async () => {
    if (!available) return;
    [live, rebuilt] = await Promise.all([
      startTestService(kind),
      startTestService(kind, {}, { background: false }),
    ]);
  });
  afterAll(async () => Promise.all([live?.stop(), rebuilt?.stop()]));

  it.skipIf(!available)(
    'built step by step by the projector equals a bulk build from the final orders',
    async () => {
      const admin = await live.bearer('ops', ['admin']);
      const ids: string[] = [];
      for (let i = 0; i < 6; i += 1) {
        const response = await live.service.app.inject({
          method: 'POST',
          url: '/api/orders',
          headers: { authorization: await live.bearer(`c-${i % 2}`) },
          payload: {
            customerId: `c-${i % 2}`,
            items: [
              { productId: `p-${i % 3}`, quantity: 1 + i, price: 12.5 },
              { productId: 'p-9', quantity: 1, price: 3 },
            ],
            shippingAddress: {
              street: '1 Main St',
              city: i % 2 ? 'Austin' : 'Boston',
              state: 'TX',
              zipCode: '73301',
            },
            ...(i === 5 && { currency: 'EUR' }),
          },
        });
        expect(response.statusCode).toBe(201);
        ids.push(response.json().id);
      }
      const status = async (id: string) =>
        (
          await live.service.app.inject({ url: `/api/orders/${id}`, headers: { authorization: admin } })
        ).json().status;
      for (const id of ids) await expect.poll(() => status(id)).toBe('CONFIRMED');
      const put = (id: string, body: object) =>
        live.service.app.inject({
          method: 'PUT',
          url: `/api/orders/${id}/status`,
          headers: { authorization: admin },
          payload: body,
        });
      await put(ids[0] as string, { status: 'PROCESSING' });
      await put(ids[0] as string, { status: 'SHIPPED', trackingNumber: 'TRK-1' });
      await put(ids[1] as string, { status: 'CANCELLED', reason: 'test' });
      await put(ids[2] as string, { status: 'PROCESSING' });
      await put(ids[2] as string, { status: 'CANCELLED', reason: 'test' });
      // The cancellations' refunds finish asynchronously: wait until the orders stop changing.
      const versions = async () =>
        (await loadOrders(live.service.database.db, live.service.database.dialect, ids)).map(
          (order) => order.version,
        );
      let previous: number[] = [];
      await expect
        .poll(
          async () => {
            const [before, current] = [previous, await versions()];
            previous = current;
            return before.join() === current.join();
          },
          { interval: 150 },
        )
        .toBe(true);

      const finalOrders = await loadOrders(live.service.database.db, live.service.database.dialect, ids);
      await insertOrdersInBulk(rebuilt.service.database.db, rebuilt.service.database.dialect, finalOrders);
      expect(await readModelRows(live.service.database.db)).toEqual(
        await readModelRows(rebuilt.service.database.db),
      );
    },
  );
});

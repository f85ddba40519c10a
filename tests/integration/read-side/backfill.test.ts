import { Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { OrderState } from '../../../src/domain/order.js';
import { connectDatabase, type DatabaseHandle } from '../../../src/infrastructure/db/connection.js';
import { migrateToLatest } from '../../../src/infrastructure/db/migrate.js';
import { migrationProvider } from '../../../src/infrastructure/db/migrations/index.js';
import { toHistoryRows, toItemRows, toOrderRow } from '../../../src/infrastructure/db/order-rows.js';
import {
  mergeDeltas,
  rollupContribution,
  summaryRow,
} from '../../../src/infrastructure/db/read-model/read-rows.js';
import { createTestDatabase, mysqlServer } from '../../support/database.js';
import { requireMariaDb } from '../../support/services.js';
import { fixtureOrders } from './fixtures.js';

const mariaDb = await requireMariaDb();

describe.each([
  ['sqlite', true],
  ['mysql', mariaDb],
] as const)('the read-model migration on %s', (kind, available) => {
  let handle: DatabaseHandle | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await handle?.close();
    await drop?.();
  });

  it.skipIf(!available)(
    'projects the orders stored before it, weekly sales and customer counts too',
    async () => {
      const database = kind === 'mysql' ? await createTestDatabase() : null;
      drop = database?.drop;
      const config = loadConfig({
        ENV: 'test',
        JWT_SECRET: 'x'.repeat(40),
        SQLITE_PATH: ':memory:',
        ...(database && { ...mysqlServer(), MYSQL_DATABASE: database.name }),
      });
      handle = connectDatabase(config.database);
      const migrator = new Migrator({ db: handle.db, provider: migrationProvider(handle.dialect) });
      expect((await migrator.migrateTo('0003-saga')).error).toBeUndefined();
      const orders = fixtureOrders(12);
      await handle.db.insertInto('orders').values(orders.map(toOrderRow)).execute();
      await handle.db.insertInto('order_items').values(orders.flatMap(toItemRows)).execute();
      await handle.db
        .insertInto('order_status_history')
        // As written before migration 0007 added who and why.
        .values(orders.flatMap((o) => toHistoryRows(o)).map(({ changed_by, causation_id, ...row }) => row))
        .execute();

      await migrateToLatest(handle);

      const summaries = await handle.db.selectFrom('order_summaries').selectAll().orderBy('id').execute();
      expect(
        summaries.map((row) => ({
          ...row,
          total_minor: Number(row.total_minor),
          created_at: Number(row.created_at),
          updated_at: Number(row.updated_at),
        })),
      ).toEqual(orders.map(readBefore0007).map(summaryRow));
      const counted = await handle.db
        .selectFrom('order_stats_hourly')
        .select((eb) => eb.fn.sum<number | string>('order_count').as('orders'))
        .executeTakeFirstOrThrow();
      expect(Number(counted.orders)).toBe(orders.length);

      // 0005 derives its rollups in SQL; they must equal what the row builders give the projector.
      const built = mergeDeltas(orders.map((order) => rollupContribution(order, order.status, 1)));
      const weekly = await handle.db
        .selectFrom('product_sales_weekly')
        .selectAll()
        .orderBy('currency')
        .orderBy('week_start')
        .orderBy('product_id')
        .execute();
      expect(
        weekly.map((row) => ({
          ...row,
          week_start: Number(row.week_start),
          quantity: Number(row.quantity),
          revenue_minor: Number(row.revenue_minor),
        })),
      ).toEqual(built.weeklySales);
      const customers = await handle.db
        .selectFrom('customer_order_counts')
        .selectAll()
        .orderBy('customer_id')
        .execute();
      expect(customers.map((row) => ({ ...row, order_count: Number(row.order_count) }))).toEqual(
        built.customers,
      );
    },
  );
});

/** How an order stored before migration 0007 reads back: who made each change was not recorded. */
function readBefore0007(order: OrderState): OrderState {
  return {
    ...order,
    statusHistory: order.statusHistory.map((change, index) => ({
      ...change,
      changedBy: index === 0 ? 'customer' : 'saga',
      causationId: null,
    })),
  };
}

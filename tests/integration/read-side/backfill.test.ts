import { Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { OrderState } from '../../../src/domain/order.js';
import { connectDatabase, type DatabaseHandle } from '../../../src/infrastructure/db/connection.js';
import { migrateToLatest } from '../../../src/infrastructure/db/migrate.js';
import { migrationProvider } from '../../../src/infrastructure/db/migrations/index.js';
import { toHistoryRows, toItemRows, toOrderRow } from '../../../src/infrastructure/db/order-rows.js';
import {
  currentFacts,
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
    'projects the orders stored before it, weekly sales, customer counts and order stats too',
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
      // As they were before 0009: shipments and refunds were not stored yet.
      const orders = fixtureOrders(30).map((order) => ({
        ...order,
        shipments: [],
        refunds: [],
        cancelledItems: [],
      }));
      // As 0003 stored them: the cancellation's category came with 0008, shipments and refunds with 0009.
      const rows = orders.map((order) => {
        const {
          cancellation_category: _category,
          shipments: _s,
          refunds: _r,
          cancelled_items: _c,
          ...row
        } = toOrderRow(order);
        return row;
      });
      await handle.db
        .insertInto('orders')
        .values(rows as ReturnType<typeof toOrderRow>[])
        .execute();
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
          refunded: Number(row.refunded),
          created_at: Number(row.created_at),
          updated_at: Number(row.updated_at),
        })),
      ).toEqual(orders.map(readBefore0007).map(summaryRow));
      // 0005 and 0008 derive their rollups in SQL; they must equal what the row builders give the projector.
      const built = mergeDeltas(orders.map((order) => rollupContribution(order, currentFacts(order), 1)));
      const stats = await handle.db.selectFrom('order_stats').selectAll().execute();
      const byKey = (row: {
        currency: string;
        period: string;
        period_start: number;
        status: string;
        cancel_category: string;
      }) => `${row.currency}|${row.period}|${row.period_start}|${row.status}|${row.cancel_category}`;
      expect(
        stats
          .map((row) => ({
            ...row,
            period_start: Number(row.period_start),
            order_count: Number(row.order_count),
            total_minor: Number(row.total_minor),
            refunded_minor: Number(row.refunded_minor),
          }))
          .sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1)),
      ).toEqual([...built.stats].sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1)));
      expect(new Set(stats.map((row) => row.cancel_category))).toEqual(
        new Set(['', ...orders.flatMap((order) => order.cancellationCategory ?? [])]),
      );
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

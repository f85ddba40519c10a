import { type Kysely, sql } from 'kysely';
import { floorTo, hourMs } from '../../../application/queries/analytics-window.js';
import type { OrderState } from '../../../domain/order.js';
import type { Dialect } from '../connection.js';
import { loadOrders } from '../order-loader.js';
import {
  currentFacts,
  mergeDeltas,
  productRows,
  rollupContribution,
  summaryRow,
} from '../read-model/read-rows.js';
import { applyRollupDeltas } from '../read-model/rollups.js';
import type { Database, OrderSummariesTable } from '../schema.js';
import { tableOptions } from './helpers.js';

/**
 * Query-shaped tables (docs/read-model.md). Every index below serves a query shape whose plan is
 * shown there; secondary indexes name `id` last so keyset paging on (sort column, id) needs no sort.
 */
export function readModelMigration(dialect: Dialect) {
  const table = tableOptions(dialect);
  const documentType = dialect === 'mysql' ? sql`mediumtext` : sql`text`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await table(
        db.schema
          .createTable('order_summaries')
          .addColumn('id', 'char(36)', (col) => col.primaryKey())
          .addColumn('customer_id', 'varchar(64)', (col) => col.notNull())
          .addColumn('status', 'varchar(16)', (col) => col.notNull())
          .addColumn('currency', 'char(3)', (col) => col.notNull())
          .addColumn('total_minor', 'bigint', (col) => col.notNull())
          .addColumn('shipping_city', 'varchar(100)', (col) => col.notNull())
          .addColumn('shipping_state', 'varchar(100)', (col) => col.notNull())
          .addColumn('shipping_zip', 'varchar(20)', (col) => col.notNull())
          .addColumn('tracking_number', 'varchar(64)')
          .addColumn('created_at', 'bigint', (col) => col.notNull())
          .addColumn('updated_at', 'bigint', (col) => col.notNull())
          .addColumn('document', documentType, (col) => col.notNull()),
      ).execute();
      const summaryIndexes: Record<string, string[]> = {
        order_summaries_customer_created: ['customer_id', 'created_at', 'id'],
        order_summaries_created: ['created_at', 'id'],
        order_summaries_total: ['total_minor', 'id'],
        order_summaries_status_created: ['status', 'created_at', 'id'],
        order_summaries_city_created: ['shipping_city', 'created_at', 'id'],
        order_summaries_state_created: ['shipping_state', 'created_at', 'id'],
        order_summaries_zip_created: ['shipping_zip', 'created_at', 'id'],
        order_summaries_tracking: ['tracking_number'],
      };
      for (const [name, columns] of Object.entries(summaryIndexes)) {
        await db.schema.createIndex(name).on('order_summaries').columns(columns).execute();
      }

      // Clustered by product then time: a product's orders, newest first, are one range read.
      await table(
        db.schema
          .createTable('order_products')
          .addColumn('product_id', 'varchar(64)', (col) => col.notNull())
          .addColumn('created_at', 'bigint', (col) => col.notNull())
          .addColumn('order_id', 'char(36)', (col) => col.notNull())
          .addPrimaryKeyConstraint('order_products_pk', ['product_id', 'created_at', 'order_id']),
      ).execute();

      await table(
        db.schema
          .createTable('order_stats_hourly')
          .addColumn('currency', 'char(3)', (col) => col.notNull())
          .addColumn('hour_start', 'bigint', (col) => col.notNull())
          .addColumn('status', 'varchar(16)', (col) => col.notNull())
          .addColumn('order_count', 'bigint', (col) => col.notNull())
          .addColumn('total_minor', 'bigint', (col) => col.notNull())
          .addPrimaryKeyConstraint('order_stats_hourly_pk', ['currency', 'hour_start', 'status']),
      ).execute();

      await table(
        db.schema
          .createTable('product_sales_daily')
          .addColumn('currency', 'char(3)', (col) => col.notNull())
          .addColumn('day_start', 'bigint', (col) => col.notNull())
          .addColumn('product_id', 'varchar(64)', (col) => col.notNull())
          .addColumn('quantity', 'bigint', (col) => col.notNull())
          .addColumn('revenue_minor', 'bigint', (col) => col.notNull())
          .addPrimaryKeyConstraint('product_sales_daily_pk', ['currency', 'day_start', 'product_id']),
      ).execute();

      await backfill(db as unknown as Kysely<Database>, dialect);
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const name of ['product_sales_daily', 'order_stats_hourly', 'order_products', 'order_summaries']) {
        await db.schema.dropTable(name).execute();
      }
    },
  };
}

/** Projects the orders stored before this migration, in id order, a batch at a time. */
async function backfill(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  const batchSize = 500;
  let after = '';
  for (;;) {
    const ids = await db
      .selectFrom('orders')
      .select('id')
      .where('id', '>', after)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    if (ids.length === 0) return;
    const orders = await loadOrders(
      db,
      dialect,
      ids.map((row) => row.id),
    );
    // Only the columns this migration created: 0008 adds and fills the others.
    const summaries = orders.map((order) => {
      const { fulfilment: _f, refunded: _r, cancel_category: _c, ...row } = summaryRow(order);
      return row;
    });
    // The typed schema is today's: cast to it for the columns that existed then.
    await db
      .insertInto('order_summaries')
      .values(summaries as unknown as OrderSummariesTable[])
      .execute();
    await db.insertInto('order_products').values(orders.flatMap(productRows)).execute();
    // Only the rollups this migration created; 0005 fills the weekly and customer ones and 0008
    // replaces the hourly stats by order_stats.
    const { sales } = mergeDeltas(orders.map((order) => rollupContribution(order, currentFacts(order), 1)));
    await applyRollupDeltas(db, dialect, { stats: [], sales, weeklySales: [], customers: [] });
    await addHourlyStats(db as unknown as Kysely<LegacyStats>, dialect, orders);
    after = ids[ids.length - 1]?.id ?? after;
  }
}

/** The hourly stats as this migration created them (0008 drops the table). */
interface LegacyStats {
  order_stats_hourly: {
    currency: string;
    hour_start: number;
    status: string;
    order_count: number;
    total_minor: number;
  };
}

async function addHourlyStats(
  db: Kysely<LegacyStats>,
  dialect: Dialect,
  orders: readonly Readonly<OrderState>[],
): Promise<void> {
  const rows = new Map<string, LegacyStats['order_stats_hourly']>();
  for (const order of orders) {
    const hourStart = floorTo(order.createdAt.getTime(), hourMs);
    const key = `${order.currency}|${hourStart}|${order.status}`;
    const row = rows.get(key) ?? {
      currency: order.currency,
      hour_start: hourStart,
      status: order.status,
      order_count: 0,
      total_minor: 0,
    };
    row.order_count += 1;
    row.total_minor += order.totalMinor;
    rows.set(key, row);
  }
  if (rows.size === 0) return;
  const insert = db.insertInto('order_stats_hourly').values([...rows.values()]);
  await (dialect === 'mysql'
    ? insert.onDuplicateKeyUpdate({
        order_count: sql`order_count + values(order_count)`,
        total_minor: sql`total_minor + values(total_minor)`,
      })
    : insert.onConflict((c) =>
        c.columns(['currency', 'hour_start', 'status']).doUpdateSet({
          order_count: sql`order_count + excluded.order_count`,
          total_minor: sql`total_minor + excluded.total_minor`,
        }),
      )
  ).execute();
}

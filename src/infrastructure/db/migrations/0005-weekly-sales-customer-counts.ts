import { type Kysely, sql } from 'kysely';
import { intervals } from '../../../application/queries/analytics-window.js';
import type { Dialect } from '../connection.js';
import type { Database } from '../schema.js';
import { tableOptions } from './helpers.js';

/**
 * Two more rollups (docs/read-model.md): product sales per week, so top products over a long
 * window reads a week's row instead of seven day rows; and each customer's order count, so
 * history's `total` is one row instead of a count over the customer's index entries.
 */
export function weeklySalesCustomerCountsMigration(dialect: Dialect) {
  const table = tableOptions(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await table(
        db.schema
          .createTable('product_sales_weekly')
          .addColumn('currency', 'char(3)', (col) => col.notNull())
          .addColumn('week_start', 'bigint', (col) => col.notNull())
          .addColumn('product_id', 'varchar(64)', (col) => col.notNull())
          .addColumn('quantity', 'bigint', (col) => col.notNull())
          .addColumn('revenue_minor', 'bigint', (col) => col.notNull())
          .addPrimaryKeyConstraint('product_sales_weekly_pk', ['currency', 'week_start', 'product_id']),
      ).execute();

      await table(
        db.schema
          .createTable('customer_order_counts')
          .addColumn('customer_id', 'varchar(64)', (col) => col.primaryKey())
          .addColumn('order_count', 'bigint', (col) => col.notNull()),
      ).execute();

      await backfill(db as unknown as Kysely<Database>);
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const name of ['customer_order_counts', 'product_sales_weekly']) {
        await db.schema.dropTable(name).execute();
      }
    },
  };
}

/**
 * Derives both tables from read-model rows that already exist, in one statement each: a week's
 * sales are exactly the sum of its seven days (weeks start on a UTC midnight, Monday), and a
 * customer's count is its number of summaries. The result equals what the row builders give the
 * projector and the seeder for the same orders (tests/integration/read-side/backfill.test.ts).
 */
async function backfill(db: Kysely<Database>): Promise<void> {
  const { widthMs, originMs } = intervals.week;
  // Constants, inlined: a parameter in both SELECT and GROUP BY would be two different expressions.
  const weekStart = sql<number>`day_start - ((day_start - (${sql.lit(originMs)})) % ${sql.lit(widthMs)})`;
  await db
    .insertInto('product_sales_weekly')
    .columns(['currency', 'week_start', 'product_id', 'quantity', 'revenue_minor'])
    .expression(
      db
        .selectFrom('product_sales_daily')
        .select((eb) => [
          'currency',
          weekStart.as('week_start'),
          'product_id',
          eb.fn.sum<number>('quantity').as('quantity'),
          eb.fn.sum<number>('revenue_minor').as('revenue_minor'),
        ])
        .groupBy(['currency', weekStart, 'product_id']),
    )
    .execute();
  await db
    .insertInto('customer_order_counts')
    .columns(['customer_id', 'order_count'])
    .expression(
      db
        .selectFrom('order_summaries')
        .select((eb) => ['customer_id', eb.fn.countAll<number>().as('order_count')])
        .groupBy('customer_id'),
    )
    .execute();
}

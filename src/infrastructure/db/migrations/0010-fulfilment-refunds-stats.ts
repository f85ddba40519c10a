import { type Kysely, sql } from 'kysely';
import { dayMs, floorToMonth, hourMs } from '../../../application/queries/analytics-window.js';
import type { Dialect } from '../connection.js';
import type { Database, OrderStatsTable } from '../schema.js';
import { dropIndex, tableOptions } from './helpers.js';

const rowsPerStatement = 1000;

/**
 * Issue 11's read side (docs/read-model.md): the cancellation's reason group on the order, the
 * search columns `fulfilment` and `refunded`, and `order_stats`, which replaces the hourly stats
 * with hour, day and month rows per status and reason group and adds refunded amounts, so a
 * summary over years reads a few hundred rows.
 */
export function fulfilmentRefundsStatsMigration(dialect: Dialect) {
  const table = tableOptions(dialect);
  return {
    async up(raw: Kysely<unknown>): Promise<void> {
      const db = raw as unknown as Kysely<Database>;
      await db.schema.alterTable('orders').addColumn('cancellation_category', 'varchar(20)').execute();
      await db
        .updateTable('orders')
        .set({ cancellation_category: categoryFromReason })
        .where('status', '=', 'CANCELLED')
        .execute();

      for (const builder of [
        db.schema
          .alterTable('order_summaries')
          .addColumn('fulfilment', 'varchar(12)', (col) => col.notNull().defaultTo('unfulfilled')),
        db.schema
          .alterTable('order_summaries')
          .addColumn('refunded', 'smallint', (col) => col.notNull().defaultTo(0)),
        db.schema.alterTable('order_summaries').addColumn('cancel_category', 'varchar(20)'),
      ]) {
        await builder.execute();
      }
      // Before this migration an order shipped whole when it reached SHIPPED, and nothing was refunded.
      await db
        .updateTable('order_summaries')
        .set({ fulfilment: 'shipped' })
        .where('status', 'in', ['SHIPPED', 'DELIVERED'])
        .execute();
      await db
        .updateTable('order_summaries')
        .set((eb) => ({
          cancel_category: eb
            .selectFrom('orders')
            .select('orders.cancellation_category')
            .whereRef('orders.id', '=', 'order_summaries.id'),
        }))
        .where('status', '=', 'CANCELLED')
        .execute();
      await db.schema
        .createIndex('order_summaries_fulfilment_created')
        .on('order_summaries')
        .columns(['fulfilment', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('order_summaries_refunded_created')
        .on('order_summaries')
        .columns(['refunded', 'created_at', 'id'])
        .execute();

      await table(
        db.schema
          .createTable('order_stats')
          .addColumn('currency', 'char(3)', (col) => col.notNull())
          .addColumn('period', 'varchar(5)', (col) => col.notNull())
          .addColumn('period_start', 'bigint', (col) => col.notNull())
          .addColumn('status', 'varchar(16)', (col) => col.notNull())
          .addColumn('cancel_category', 'varchar(20)', (col) => col.notNull())
          .addColumn('order_count', 'bigint', (col) => col.notNull())
          .addColumn('total_minor', 'bigint', (col) => col.notNull())
          .addColumn('refunded_minor', 'bigint', (col) => col.notNull())
          .addPrimaryKeyConstraint('order_stats_pk', [
            'currency',
            'period',
            'period_start',
            'status',
            'cancel_category',
          ]),
      ).execute();
      await backfillStats(db);
      await db.schema.dropTable('order_stats_hourly').execute();
    },

    async down(raw: Kysely<unknown>): Promise<void> {
      const db = raw as unknown as Kysely<Database>;
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
      await sql`insert into order_stats_hourly (currency, hour_start, status, order_count, total_minor)
        select currency, period_start, status, sum(order_count), sum(total_minor)
        from order_stats where period = 'hour' group by currency, period_start, status`.execute(db);
      await db.schema.dropTable('order_stats').execute();
      for (const name of ['order_summaries_fulfilment_created', 'order_summaries_refunded_created']) {
        await dropIndex(db, dialect, name, 'order_summaries');
      }
      for (const column of ['cancel_category', 'refunded', 'fulfilment']) {
        await db.schema.alterTable('order_summaries').dropColumn(column).execute();
      }
      await db.schema.alterTable('orders').dropColumn('cancellation_category').execute();
    },
  };
}

/**
 * The saga's cancellation reasons name their cause; a person's reason is free text, so an old
 * cancellation by an admin counts as one only when it kept the default reason ("cancelled by
 * admin"). Orders cancelled from now on carry the category the aggregate set.
 */
const categoryFromReason = sql<string>`case
  when cancellation_reason like 'out of stock%' then 'out_of_stock'
  when cancellation_reason like 'payment declined%' then 'payment_declined'
  when cancellation_reason like '% timed out' then 'timed_out'
  when cancellation_reason in ('cancelled by admin', 'cancelled by service') then 'admin'
  else 'customer' end`;

/**
 * Hour rows from the summaries in one INSERT … SELECT, day rows from the hour rows the same way
 * (a day is 24 whole hours), month rows from the day rows in code (months differ in length;
 * a few thousand day rows per year).
 */
async function backfillStats(db: Kysely<Database>): Promise<void> {
  const hourStart = sql<number>`created_at - (created_at % ${sql.lit(hourMs)})`;
  const category = sql<string>`coalesce(cancel_category, '')`;
  await db
    .insertInto('order_stats')
    .columns([
      'currency',
      'period',
      'period_start',
      'status',
      'cancel_category',
      'order_count',
      'total_minor',
      'refunded_minor',
    ])
    .expression(
      db
        .selectFrom('order_summaries')
        .select((eb) => [
          'currency',
          sql<string>`'hour'`.as('period'),
          hourStart.as('period_start'),
          'status',
          category.as('cancel_category'),
          eb.fn.countAll<number>().as('order_count'),
          eb.fn.sum<number>('total_minor').as('total_minor'),
          sql<number>`0`.as('refunded_minor'),
        ])
        .groupBy(['currency', hourStart, 'status', category]),
    )
    .execute();
  const dayStart = sql<number>`period_start - (period_start % ${sql.lit(dayMs)})`;
  const days = await db
    .selectFrom('order_stats')
    .select((eb) => [
      'currency',
      dayStart.as('period_start'),
      'status',
      'cancel_category',
      eb.fn.sum<number | string>('order_count').as('order_count'),
      eb.fn.sum<number | string>('total_minor').as('total_minor'),
    ])
    .where('period', '=', 'hour')
    .groupBy(['currency', dayStart, 'status', 'cancel_category'])
    .execute();
  const rows = new Map<string, OrderStatsTable>();
  for (const day of days) {
    const dayRow: OrderStatsTable = {
      currency: day.currency,
      period: 'day',
      period_start: Number(day.period_start),
      status: day.status,
      cancel_category: day.cancel_category,
      order_count: Number(day.order_count),
      total_minor: Number(day.total_minor),
      refunded_minor: 0,
    };
    rows.set(
      `day|${dayRow.currency}|${dayRow.period_start}|${dayRow.status}|${dayRow.cancel_category}`,
      dayRow,
    );
    const monthStart = floorToMonth(dayRow.period_start);
    const key = `month|${dayRow.currency}|${monthStart}|${dayRow.status}|${dayRow.cancel_category}`;
    const month = rows.get(key) ?? {
      ...dayRow,
      period: 'month',
      period_start: monthStart,
      order_count: 0,
      total_minor: 0,
    };
    month.order_count += dayRow.order_count;
    month.total_minor += dayRow.total_minor;
    rows.set(key, month);
  }
  const all = [...rows.values()];
  for (let start = 0; start < all.length; start += rowsPerStatement) {
    await db
      .insertInto('order_stats')
      .values(all.slice(start, start + rowsPerStatement))
      .execute();
  }
}

import { type Kysely, sql } from 'kysely';
import { ceilTo, floorTo, intervals, type Window } from '../../../application/queries/analytics-window.js';
import type {
  BucketTotal,
  BucketWindow,
  ProductSales,
  StatusTotal,
} from '../../../application/queries/read-model.js';
import type { OrderStatus } from '../../../domain/order-status.js';
import type { Database } from '../schema.js';

/**
 * Analytics read only the rollups, never the orders: a year is at most 8,760 hourly rows per
 * currency and status, or 52 weekly rows per product (plus a few daily ones at the edges). MariaDB returns SUM() as DECIMAL text;
 * Number() is exact because every total stays below 2^53 minor units.
 */
export async function statusTotals(
  db: Kysely<Database>,
  currency: string,
  from: number,
  to: number,
): Promise<StatusTotal[]> {
  const rows = await db
    .selectFrom('order_stats_hourly')
    .select((eb) => [
      'status',
      eb.fn.sum<number | string>('order_count').as('order_count'),
      eb.fn.sum<number | string>('total_minor').as('total_minor'),
    ])
    .where('currency', '=', currency)
    .where('hour_start', '>=', from)
    .where('hour_start', '<', to)
    .groupBy('status')
    .execute();
  return rows.map((row) => ({
    status: row.status as OrderStatus,
    orderCount: Number(row.order_count),
    totalMinor: Number(row.total_minor),
  }));
}

/** Hours folded into buckets in SQL: `origin + floor((hour - origin) / width) * width`, in integers. */
export async function timeseries(
  db: Kysely<Database>,
  currency: string,
  window: BucketWindow,
): Promise<BucketTotal[]> {
  const { from, to, widthMs, originMs } = window;
  const bucket = sql<number>`hour_start - ((hour_start - ${originMs}) % ${widthMs})`;
  const rows = await sql<{
    bucket: number | string;
    order_count: number | string;
    revenue_minor: number | string;
  }>`
    select ${bucket} as bucket,
           sum(order_count) as order_count,
           sum(case when status = 'CANCELLED' then 0 else total_minor end) as revenue_minor
    from order_stats_hourly
    where currency = ${currency} and hour_start >= ${from} and hour_start < ${to}
    group by ${bucket}`.execute(db);
  return rows.rows.map((row) => ({
    start: Number(row.bucket),
    orderCount: Number(row.order_count),
    revenueMinor: Number(row.revenue_minor),
  }));
}

/**
 * One aggregation per request; the caller ranks it both ways (a few thousand rows at most). The
 * whole weeks of the window come from the weekly rollup, the days before the first and after the
 * last whole week from the daily one: the same sums, with one row standing for up to seven.
 */
export async function productSales(
  db: Kysely<Database>,
  currency: string,
  from: number,
  to: number,
): Promise<ProductSales[]> {
  const { weeks, days } = splitByWeeks(from, to);
  // Each part is summed per product first: the union then holds two rows per product, not one
  // per product and week or day, and MariaDB materializes that union in a temporary table.
  const weekly = db
    .selectFrom('product_sales_weekly')
    .select((eb) => [
      'product_id',
      eb.fn.sum<number | string>('quantity').as('quantity'),
      eb.fn.sum<number | string>('revenue_minor').as('revenue_minor'),
    ])
    .where('currency', '=', currency)
    .where('week_start', '>=', weeks.from)
    .where('week_start', '<', weeks.to)
    .groupBy('product_id');
  const daily = db
    .selectFrom('product_sales_daily')
    .select((eb) => [
      'product_id',
      eb.fn.sum<number | string>('quantity').as('quantity'),
      eb.fn.sum<number | string>('revenue_minor').as('revenue_minor'),
    ])
    .where('currency', '=', currency)
    .where((eb) =>
      eb.or(days.map((edge) => eb.and([eb('day_start', '>=', edge.from), eb('day_start', '<', edge.to)]))),
    )
    .groupBy('product_id');
  const rows = await db
    .selectFrom(weekly.unionAll(daily).as('sales'))
    .select((eb) => [
      'product_id',
      eb.fn.sum<number | string>('quantity').as('quantity'),
      eb.fn.sum<number | string>('revenue_minor').as('revenue_minor'),
    ])
    .groupBy('product_id')
    // Products whose every sale was cancelled keep a zero row; they are not best sellers.
    .having((eb) => eb.fn.sum('quantity'), '>', 0)
    .execute();
  return rows.map((row) => ({
    productId: row.product_id,
    quantity: Number(row.quantity),
    revenueMinor: Number(row.revenue_minor),
  }));
}

/**
 * Splits a window of whole UTC days into the whole weeks (Monday 00:00 UTC) inside it and the
 * days before and after them. Without a whole week inside, `weeks` is empty and the days cover
 * the window. The three parts never overlap and always add up to [from, to).
 */
export function splitByWeeks(from: number, to: number): { weeks: Window; days: [Window, Window] } {
  const { widthMs, originMs } = intervals.week;
  const weeksFrom = Math.min(ceilTo(from, widthMs, originMs), to);
  const weeksTo = Math.max(floorTo(to, widthMs, originMs), weeksFrom);
  return {
    weeks: { from: weeksFrom, to: weeksTo },
    days: [
      { from, to: weeksFrom },
      { from: weeksTo, to },
    ],
  };
}

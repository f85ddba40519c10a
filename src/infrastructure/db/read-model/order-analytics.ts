import { type Kysely, sql } from 'kysely';
import {
  ceilTo,
  ceilToMonth,
  dayMs,
  floorTo,
  floorToMonth,
  intervals,
  type Window,
} from '../../../application/queries/analytics-window.js';
import type {
  BucketTotal,
  BucketWindow,
  ProductSales,
  StatusTotal,
} from '../../../application/queries/read-model.js';
import type { CancellationCategory } from '../../../domain/cancellation.js';
import type { OrderStatus } from '../../../domain/order-status.js';
import type { Database, StatsPeriod } from '../schema.js';

/**
 * Analytics read only the rollups, never the orders. `order_stats` holds each order in an hour,
 * a day and a month row: a window reads months in its middle, days and hours only at its edges
 * (splitByPeriods), so six years are ~72 month rows plus at most ~100 edge rows per status and
 * reason group. MariaDB returns SUM() as DECIMAL text; Number() is exact because every total
 * stays below 2^53 minor units.
 */
export async function statusTotals(
  db: Kysely<Database>,
  currency: string,
  from: number,
  to: number,
): Promise<StatusTotal[]> {
  const ranges = splitByPeriods(from, to);
  if (ranges.length === 0) return [];
  const rows = await db
    .selectFrom('order_stats')
    .select((eb) => [
      'status',
      'cancel_category',
      eb.fn.sum<number | string>('order_count').as('order_count'),
      eb.fn.sum<number | string>('total_minor').as('total_minor'),
      eb.fn.sum<number | string>('refunded_minor').as('refunded_minor'),
    ])
    .where('currency', '=', currency)
    .where((eb) =>
      eb.or(
        ranges.map((range) =>
          eb.and([
            eb('period', '=', range.period),
            eb('period_start', '>=', range.from),
            eb('period_start', '<', range.to),
          ]),
        ),
      ),
    )
    .groupBy(['status', 'cancel_category'])
    .execute();
  return rows.map((row) => ({
    status: row.status as OrderStatus,
    cancelCategory: row.cancel_category === '' ? null : (row.cancel_category as CancellationCategory),
    orderCount: Number(row.order_count),
    totalMinor: Number(row.total_minor),
    refundedMinor: Number(row.refunded_minor),
  }));
}

/**
 * Splits a window of whole UTC hours into the whole months inside it, the whole days around
 * them and the hours at the edges. The parts never overlap and always add up to [from, to).
 */
export function splitByPeriods(
  from: number,
  to: number,
): { period: StatsPeriod; from: number; to: number }[] {
  const daysFrom = Math.min(ceilTo(from, dayMs), to);
  const daysTo = Math.max(floorTo(to, dayMs), daysFrom);
  const monthsFrom = Math.min(ceilToMonth(daysFrom), daysTo);
  const monthsTo = Math.max(floorToMonth(daysTo), monthsFrom);
  return [
    { period: 'hour' as const, from, to: daysFrom },
    { period: 'day' as const, from: daysFrom, to: monthsFrom },
    { period: 'month' as const, from: monthsFrom, to: monthsTo },
    { period: 'day' as const, from: monthsTo, to: daysTo },
    { period: 'hour' as const, from: daysTo, to },
  ].filter((range) => range.from < range.to);
}

/**
 * Periods folded into buckets in SQL: `origin + floor((start - origin) / width) * width`, in
 * integers. Hour buckets read hour rows; day and week buckets (weeks start on a UTC midnight)
 * read day rows, a 24th of the hours.
 */
export async function timeseries(
  db: Kysely<Database>,
  currency: string,
  window: BucketWindow,
): Promise<BucketTotal[]> {
  const { from, to, widthMs, originMs } = window;
  const period: StatsPeriod = widthMs < dayMs ? 'hour' : 'day';
  const bucket = sql<number>`period_start - ((period_start - ${originMs}) % ${widthMs})`;
  const rows = await sql<{
    bucket: number | string;
    order_count: number | string;
    revenue_minor: number | string;
    refunded_minor: number | string;
  }>`
    select ${bucket} as bucket,
           sum(order_count) as order_count,
           sum(case when status = 'CANCELLED' then 0 else total_minor end) as revenue_minor,
           sum(case when status = 'CANCELLED' then 0 else refunded_minor end) as refunded_minor
    from order_stats
    where currency = ${currency} and period = ${period} and period_start >= ${from} and period_start < ${to}
    group by ${bucket}`.execute(db);
  return rows.rows.map((row) => ({
    start: Number(row.bucket),
    orderCount: Number(row.order_count),
    revenueMinor: Number(row.revenue_minor),
    refundedMinor: Number(row.refunded_minor),
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

import { type Kysely, sql } from 'kysely';
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
 * currency and status, or 365 daily rows per product. MariaDB returns SUM() as DECIMAL text;
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

/** One aggregation per request; the caller ranks it both ways (a few thousand rows at most). */
export async function productSales(
  db: Kysely<Database>,
  currency: string,
  from: number,
  to: number,
): Promise<ProductSales[]> {
  const rows = await db
    .selectFrom('product_sales_daily')
    .select((eb) => [
      'product_id',
      eb.fn.sum<number | string>('quantity').as('quantity'),
      eb.fn.sum<number | string>('revenue_minor').as('revenue_minor'),
    ])
    .where('currency', '=', currency)
    .where('day_start', '>=', from)
    .where('day_start', '<', to)
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

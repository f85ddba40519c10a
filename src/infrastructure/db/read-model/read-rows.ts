import { toOrderView } from '../../../application/order-view.js';
import { dayMs, floorTo, hourMs, intervals } from '../../../application/queries/analytics-window.js';
import type { OrderState } from '../../../domain/order.js';
import type { OrderStatus } from '../../../domain/order-status.js';
import type {
  CustomerOrderCountsTable,
  OrderProductsTable,
  OrderStatsHourlyTable,
  OrderSummariesTable,
  ProductSalesDailyTable,
  ProductSalesWeeklyTable,
} from '../schema.js';

/**
 * Everything the read model holds for one order, derived from its state alone. The projector,
 * the migration backfill and the seeder all build rows here, so they cannot drift apart.
 */
export function summaryRow(order: Readonly<OrderState>): OrderSummariesTable {
  return {
    id: order.id,
    customer_id: order.customerId,
    status: order.status,
    currency: order.currency,
    total_minor: order.totalMinor,
    shipping_city: order.shippingAddress.city,
    shipping_state: order.shippingAddress.state,
    shipping_zip: order.shippingAddress.zipCode,
    tracking_number: order.trackingNumber,
    created_at: order.createdAt.getTime(),
    updated_at: order.updatedAt.getTime(),
    document: JSON.stringify(toOrderView(order)),
  };
}

/** One row per distinct product: an order listing a product twice is still one match. */
export function productRows(order: Readonly<OrderState>): OrderProductsTable[] {
  const productIds = [...new Set(order.items.map((item) => item.productId))];
  return productIds.map((productId) => ({
    product_id: productId,
    created_at: order.createdAt.getTime(),
    order_id: order.id,
  }));
}

export interface RollupDeltas {
  stats: OrderStatsHourlyTable[];
  sales: ProductSalesDailyTable[];
  weeklySales: ProductSalesWeeklyTable[];
  customers: CustomerOrderCountsTable[];
}

/** Cancelled orders are not sales: they leave revenue and the product rankings. */
export const countsAsSale = (status: OrderStatus): boolean => status !== 'CANCELLED';

/**
 * What an order contributes to the rollups while it has `status`; `sign` -1 takes it away.
 * Rollups are keyed by creation time, so a later status change moves an order between status
 * rows of the same hour and never between hours. The customer's order count does not depend on
 * the status: a status change takes it away and adds it back, and mergeDeltas cancels the two.
 */
export function rollupContribution(
  order: Readonly<OrderState>,
  status: OrderStatus,
  sign: 1 | -1,
): RollupDeltas {
  const createdAt = order.createdAt.getTime();
  const stats = [
    {
      currency: order.currency,
      hour_start: floorTo(createdAt, hourMs),
      status,
      order_count: sign,
      total_minor: sign * order.totalMinor,
    },
  ];
  const customers = [{ customer_id: order.customerId, order_count: sign }];
  if (!countsAsSale(status)) return { stats, sales: [], weeklySales: [], customers };
  const dayStart = floorTo(createdAt, dayMs);
  const weekStart = floorTo(createdAt, intervals.week.widthMs, intervals.week.originMs);
  const sales = order.items.map((item) => ({
    currency: order.currency,
    day_start: dayStart,
    product_id: item.productId,
    quantity: sign * item.quantity,
    revenue_minor: sign * item.lineTotalMinor,
  }));
  const weeklySales = sales.map(({ day_start: _day, ...sale }) => ({ ...sale, week_start: weekStart }));
  return { stats, sales, weeklySales, customers };
}

/**
 * Adds up deltas per key, drops the ones that cancel out, and sorts by key: every writer then
 * locks rollup rows in the same order, so concurrent transactions queue instead of deadlocking.
 */
export function mergeDeltas(deltas: readonly RollupDeltas[]): RollupDeltas {
  const time = (ms: number) => String(ms).padStart(15, '0');
  return {
    stats: merge(
      deltas.flatMap((delta) => delta.stats),
      (row) => `${row.currency}|${time(row.hour_start)}|${row.status}`,
      ['order_count', 'total_minor'],
    ),
    sales: merge(
      deltas.flatMap((delta) => delta.sales),
      (row) => `${row.currency}|${time(row.day_start)}|${row.product_id}`,
      ['quantity', 'revenue_minor'],
    ),
    weeklySales: merge(
      deltas.flatMap((delta) => delta.weeklySales),
      (row) => `${row.currency}|${time(row.week_start)}|${row.product_id}`,
      ['quantity', 'revenue_minor'],
    ),
    customers: merge(
      deltas.flatMap((delta) => delta.customers),
      (row) => row.customer_id,
      ['order_count'],
    ),
  };
}

/** Sums `amounts` of the rows sharing a key; returns the non-zero sums in key order. */
function merge<T extends Record<A, number>, A extends keyof T>(
  rows: readonly T[],
  key: (row: T) => string,
  amounts: readonly A[],
): T[] {
  const sums = new Map<string, T>();
  for (const row of rows) {
    const sum = sums.get(key(row));
    if (!sum) sums.set(key(row), { ...row });
    else for (const amount of amounts) (sum as Record<A, number>)[amount] += row[amount];
  }
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, row]) => row)
    .filter((row) => amounts.some((amount) => row[amount] !== 0));
}

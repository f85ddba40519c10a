import { toOrderView } from '../../../application/order-view.js';
import {
  dayMs,
  floorTo,
  floorToMonth,
  hourMs,
  intervals,
} from '../../../application/queries/analytics-window.js';
import type { CancellationCategory } from '../../../domain/cancellation.js';
import { fulfilmentOf } from '../../../domain/fulfilment.js';
import type { OrderState } from '../../../domain/order.js';
import { countsAsSale, type OrderStatus } from '../../../domain/order-status.js';
import { refundedMinor } from '../../../domain/refunds.js';
import type {
  CustomerOrderCountsTable,
  OrderProductsTable,
  OrderStatsTable,
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
    fulfilment: fulfilmentOf(order),
    refunded: refundedMinorOf(order) > 0 ? 1 : 0,
    cancel_category: order.cancellationCategory,
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

/** What has been refunded of the order, in minor units: its refunds that succeeded. */
const refundedMinorOf = (order: Readonly<OrderState>): number => refundedMinor(order.refunds);

export interface RollupDeltas {
  stats: OrderStatsTable[];
  sales: ProductSalesDailyTable[];
  weeklySales: ProductSalesWeeklyTable[];
  customers: CustomerOrderCountsTable[];
}

/** The facts of an order that decide which rollup rows it counts in and with what amounts. */
export interface RollupFacts {
  status: OrderStatus;
  cancelCategory: CancellationCategory | null;
  refundedMinor: number;
}

/** The facts as the order's state has them now. */
export const currentFacts = (order: Readonly<OrderState>): RollupFacts => ({
  status: order.status,
  cancelCategory: order.cancellationCategory,
  refundedMinor: refundedMinorOf(order),
});

/**
 * What an order contributes to the rollups while it has these `facts`; `sign` -1 takes it away.
 * Rollups are keyed by creation time, so a later change moves an order between status rows of
 * the same hour, day and month and never between periods. The customer's order count does not
 * depend on the facts: a change takes it away and adds it back, and mergeDeltas cancels the two.
 */
export function rollupContribution(
  order: Readonly<OrderState>,
  facts: RollupFacts,
  sign: 1 | -1,
): RollupDeltas {
  const createdAt = order.createdAt.getTime();
  const periods = [
    ['hour', floorTo(createdAt, hourMs)],
    ['day', floorTo(createdAt, dayMs)],
    ['month', floorToMonth(createdAt)],
  ] as const;
  const stats = periods.map(([period, periodStart]) => ({
    currency: order.currency,
    period,
    period_start: periodStart,
    status: facts.status,
    cancel_category: facts.cancelCategory ?? '',
    order_count: sign,
    total_minor: sign * order.totalMinor,
    refunded_minor: sign * facts.refundedMinor,
  }));
  const customers = [{ customer_id: order.customerId, order_count: sign }];
  if (!countsAsSale(facts.status)) return { stats, sales: [], weeklySales: [], customers };
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
      (row) => `${row.currency}|${row.period}|${time(row.period_start)}|${row.status}|${row.cancel_category}`,
      ['order_count', 'total_minor', 'refunded_minor'],
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

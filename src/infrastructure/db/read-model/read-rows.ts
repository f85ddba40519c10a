import { toOrderView } from '../../../application/order-view.js';
import { dayMs, floorTo, hourMs } from '../../../application/queries/analytics-window.js';
import type { OrderState } from '../../../domain/order.js';
import type { OrderStatus } from '../../../domain/order-status.js';
import type {
  OrderProductsTable,
  OrderStatsHourlyTable,
  OrderSummariesTable,
  ProductSalesDailyTable,
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
}

/** Cancelled orders are not sales: they leave revenue and the product rankings. */
export const countsAsSale = (status: OrderStatus): boolean => status !== 'CANCELLED';

/**
 * What an order contributes to the rollups while it has `status`; `sign` -1 takes it away.
 * Rollups are keyed by creation time, so a later status change moves an order between status
 * rows of the same hour and never between hours.
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
  if (!countsAsSale(status)) return { stats, sales: [] };
  const dayStart = floorTo(createdAt, dayMs);
  const sales = order.items.map((item) => ({
    currency: order.currency,
    day_start: dayStart,
    product_id: item.productId,
    quantity: sign * item.quantity,
    revenue_minor: sign * item.lineTotalMinor,
  }));
  return { stats, sales };
}

/**
 * Adds up deltas per key, drops the ones that cancel out, and sorts by key: every writer then
 * locks rollup rows in the same order, so concurrent transactions queue instead of deadlocking.
 */
export function mergeDeltas(deltas: readonly RollupDeltas[]): RollupDeltas {
  const stats = new Map<string, OrderStatsHourlyTable>();
  const sales = new Map<string, ProductSalesDailyTable>();
  for (const delta of deltas) {
    for (const row of delta.stats) {
      const key = `${row.currency}|${String(row.hour_start).padStart(15, '0')}|${row.status}`;
      const sum = stats.get(key);
      if (sum) {
        sum.order_count += row.order_count;
        sum.total_minor += row.total_minor;
      } else stats.set(key, { ...row });
    }
    for (const row of delta.sales) {
      const key = `${row.currency}|${String(row.day_start).padStart(15, '0')}|${row.product_id}`;
      const sum = sales.get(key);
      if (sum) {
        sum.quantity += row.quantity;
        sum.revenue_minor += row.revenue_minor;
      } else sales.set(key, { ...row });
    }
  }
  const sorted = <T>(map: Map<string, T>, keep: (row: T) => boolean) =>
    [...map.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, row]) => row)
      .filter(keep);
  return {
    stats: sorted(stats, (row) => row.order_count !== 0 || row.total_minor !== 0),
    sales: sorted(sales, (row) => row.quantity !== 0 || row.revenue_minor !== 0),
  };
}

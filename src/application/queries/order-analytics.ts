import { Forbidden } from '../../domain/errors.js';
import { defaultCurrency, toDecimal } from '../../domain/money.js';
import { orderStatuses } from '../../domain/order-status.js';
import { isStaff, type Principal } from '../access.js';
import { analyticsWindow, dayMs, hourMs, type Interval, intervals } from './analytics-window.js';
import type { OrderReadModel } from './read-model.js';

export interface AnalyticsQuery {
  from?: string;
  to?: string;
  /** Amounts are never added across currencies: every answer is for one (USD when omitted). */
  currency?: string;
}

function assertStaff(principal: Principal): void {
  if (!isStaff(principal)) throw new Forbidden('Order analytics are for the admin and service roles');
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Exact division of minor units, rounded half up. */
function averageMinor(totalMinor: number, count: number): number {
  if (count === 0) return 0;
  const quotient = Math.floor(totalMinor / count);
  return 2 * (totalMinor - quotient * count) >= count ? quotient + 1 : quotient;
}

/**
 * Order analytics from the rollups. Revenue counts the orders that are sales (every status but
 * CANCELLED); the per-status figures show the cancelled amounts beside it.
 */
export function orderAnalyticsHandlers(readModel: OrderReadModel, clock: () => Date) {
  return {
    async summary(principal: Principal, query: AnalyticsQuery) {
      assertStaff(principal);
      const currency = query.currency ?? defaultCurrency;
      const { from, to } = analyticsWindow(query, clock().getTime(), hourMs);
      const totals = await readModel.statusTotals(currency, from, to);
      const byStatus = orderStatuses.map((status) => {
        const total = totals.find((row) => row.status === status);
        return { status, count: total?.orderCount ?? 0, totalMinor: total?.totalMinor ?? 0 };
      });
      const orderCount = byStatus.reduce((sum, row) => sum + row.count, 0);
      const cancelled = byStatus.find((row) => row.status === 'CANCELLED') ?? { count: 0, totalMinor: 0 };
      const salesCount = orderCount - cancelled.count;
      const revenueMinor = byStatus.reduce((sum, row) => sum + row.totalMinor, 0) - cancelled.totalMinor;
      return {
        currency,
        from: iso(from),
        to: iso(to),
        orderCount,
        revenue: toDecimal(revenueMinor, currency),
        averageOrderValue: toDecimal(averageMinor(revenueMinor, salesCount), currency),
        cancelledCount: cancelled.count,
        cancellationRate: orderCount === 0 ? 0 : Math.round((cancelled.count / orderCount) * 10_000) / 10_000,
        byStatus: byStatus.map((row) => ({
          status: row.status,
          count: row.count,
          totalAmount: toDecimal(row.totalMinor, currency),
        })),
      };
    },

    async timeseries(principal: Principal, query: AnalyticsQuery & { interval: Interval }) {
      assertStaff(principal);
      const currency = query.currency ?? defaultCurrency;
      const { widthMs, originMs } = intervals[query.interval];
      const { from, to } = analyticsWindow(query, clock().getTime(), widthMs, originMs);
      const rows = await readModel.timeseries(currency, { from, to, widthMs, originMs });
      const byStart = new Map(rows.map((row) => [row.start, row]));
      const buckets = [];
      // Every bucket of the window is listed, with zeros where nothing was ordered.
      for (let start = from; start < to; start += widthMs) {
        const row = byStart.get(start);
        buckets.push({
          start: iso(start),
          orders: row?.orderCount ?? 0,
          revenue: toDecimal(row?.revenueMinor ?? 0, currency),
        });
      }
      return { currency, interval: query.interval, from: iso(from), to: iso(to), buckets };
    },

    async topProducts(principal: Principal, query: AnalyticsQuery & { limit: number }) {
      assertStaff(principal);
      const currency = query.currency ?? defaultCurrency;
      const { from, to } = analyticsWindow(query, clock().getTime(), dayMs);
      const sales = await readModel.productSales(currency, from, to);
      const top = (key: 'quantity' | 'revenueMinor') =>
        [...sales]
          .sort((a, b) => b[key] - a[key] || (a.productId < b.productId ? -1 : 1))
          .slice(0, query.limit);
      const [byQuantity, byRevenue] = [top('quantity'), top('revenueMinor')];
      const shape = (rows: typeof byQuantity) =>
        rows.map((row) => ({
          productId: row.productId,
          quantity: row.quantity,
          revenue: toDecimal(row.revenueMinor, currency),
        }));
      return {
        currency,
        from: iso(from),
        to: iso(to),
        byQuantity: shape(byQuantity),
        byRevenue: shape(byRevenue),
      };
    },
  };
}

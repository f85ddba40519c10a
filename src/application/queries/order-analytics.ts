import { type CancellationCategory, cancellationCategories } from '../../domain/cancellation.js';
import { Forbidden } from '../../domain/errors.js';
import { defaultCurrency, toDecimal } from '../../domain/money.js';
import { countsAsSale, orderStatuses } from '../../domain/order-status.js';
import { isStaff, type Principal } from '../access.js';
import { analyticsWindow, dayMs, hourMs, type Interval, intervals, maxBuckets } from './analytics-window.js';
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
 * Order analytics from the rollups. Gross revenue is the total of the orders that are sales
 * (every status but CANCELLED), net revenue that minus what was refunded of them; the
 * per-status figures show the cancelled amounts beside it.
 */
export function orderAnalyticsHandlers(readModel: OrderReadModel, clock: () => Date) {
  return {
    async summary(principal: Principal, query: AnalyticsQuery) {
      assertStaff(principal);
      const currency = query.currency ?? defaultCurrency;
      // No bucket limit: a summary is one row per status and reason group, whatever the window.
      const { from, to } = analyticsWindow(query, clock().getTime(), hourMs);
      const totals = await readModel.statusTotals(currency, from, to);
      const byStatus = orderStatuses.map((status) => {
        const rows = totals.filter((row) => row.status === status);
        return {
          status,
          count: rows.reduce((sum, row) => sum + row.orderCount, 0),
          totalMinor: rows.reduce((sum, row) => sum + row.totalMinor, 0),
          refundedMinor: rows.reduce((sum, row) => sum + row.refundedMinor, 0),
        };
      });
      const orderCount = byStatus.reduce((sum, row) => sum + row.count, 0);
      const sales = byStatus.filter((row) => countsAsSale(row.status));
      const salesCount = sales.reduce((sum, row) => sum + row.count, 0);
      const grossMinor = sales.reduce((sum, row) => sum + row.totalMinor, 0);
      const refundedMinor = sales.reduce((sum, row) => sum + row.refundedMinor, 0);
      const cancelledCount = orderCount - salesCount;
      const money = (minor: number) => toDecimal(minor, currency);
      return {
        currency,
        from: iso(from),
        to: iso(to),
        orderCount,
        grossRevenue: money(grossMinor),
        refundedAmount: money(refundedMinor),
        netRevenue: money(grossMinor - refundedMinor),
        averageOrderValue: money(averageMinor(grossMinor, salesCount)),
        cancelledCount,
        cancellationRate: orderCount === 0 ? 0 : Math.round((cancelledCount / orderCount) * 10_000) / 10_000,
        cancellationsByCategory: Object.fromEntries(
          cancellationCategories.map((category) => [
            category,
            totals
              .filter((row) => row.cancelCategory === category)
              .reduce((sum, row) => sum + row.orderCount, 0),
          ]),
        ) as Record<CancellationCategory, number>,
        byStatus: byStatus.map((row) => ({
          status: row.status,
          count: row.count,
          totalAmount: money(row.totalMinor),
        })),
      };
    },

    async timeseries(principal: Principal, query: AnalyticsQuery & { interval: Interval }) {
      assertStaff(principal);
      const currency = query.currency ?? defaultCurrency;
      const { widthMs, originMs } = intervals[query.interval];
      const { from, to } = analyticsWindow(query, clock().getTime(), widthMs, originMs, maxBuckets);
      const rows = await readModel.timeseries(currency, { from, to, widthMs, originMs });
      const byStart = new Map(rows.map((row) => [row.start, row]));
      const money = (minor: number) => toDecimal(minor, currency);
      const buckets = [];
      // Every bucket of the window is listed, with zeros where nothing was ordered.
      for (let start = from; start < to; start += widthMs) {
        const row = byStart.get(start);
        const [gross, refunded] = [row?.revenueMinor ?? 0, row?.refundedMinor ?? 0];
        buckets.push({
          start: iso(start),
          orders: row?.orderCount ?? 0,
          grossRevenue: money(gross),
          refundedAmount: money(refunded),
          netRevenue: money(gross - refunded),
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

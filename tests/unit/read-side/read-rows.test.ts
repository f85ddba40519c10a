import { describe, expect, it } from 'vitest';
import type { OrderStatus } from '../../../src/domain/order-status.js';
import { rollupChange } from '../../../src/infrastructure/db/read-model/projector.js';
import {
  mergeDeltas,
  productRows,
  rollupContribution,
} from '../../../src/infrastructure/db/read-model/read-rows.js';
import { anOrder, later } from '../../support/builders.js';

const facts = (status: OrderStatus) => ({ status, cancelCategory: null, refundedMinor: 0 });

describe('the read model rows of an order', () => {
  it('index a product once however many lines name it', () => {
    const order = anOrder().build().snapshot();
    const twice = { ...order, items: [...order.items, ...order.items] };
    expect(productRows(twice)).toHaveLength(1);
  });

  it('leave cancelled orders out of product sales', () => {
    const order = anOrder().build().snapshot();
    expect(
      rollupContribution(order, { status: 'CANCELLED', cancelCategory: 'customer', refundedMinor: 0 }, 1)
        .sales,
    ).toEqual([]);
    expect(rollupContribution(order, facts('CONFIRMED'), 1).sales).toHaveLength(1);
  });

  it('count an order in the hour, the day and the month it was created', () => {
    const order = anOrder().build().snapshot();
    const rows = rollupContribution(order, facts('PENDING'), 1).stats;
    expect(rows.map((row) => [row.period, new Date(row.period_start).toISOString()])).toEqual([
      ['hour', '2026-11-25T10:00:00.000Z'],
      ['day', '2026-11-25T00:00:00.000Z'],
      ['month', '2026-11-01T00:00:00.000Z'],
    ]);
  });

  it('count sales in the UTC day and in the week (from Monday) of creation', () => {
    const order = anOrder().build().snapshot();
    const { sales, weeklySales } = rollupContribution(order, facts('PENDING'), 1);
    expect(new Date(sales[0]?.day_start ?? 0).toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(new Date(weeklySales[0]?.week_start ?? 0).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(weeklySales.map((row) => [row.product_id, row.quantity, row.revenue_minor])).toEqual(
      sales.map((row) => [row.product_id, row.quantity, row.revenue_minor]),
    );
  });

  it('count a new order once for its customer', () => {
    const order = anOrder().build().snapshot();
    expect(rollupChange(order, [], true).customers).toEqual([
      { customer_id: order.customerId, order_count: 1 },
    ]);
  });

  it('move an order between status rows when its status changes', () => {
    const order = anOrder().inStatus('CONFIRMED').build();
    order.changeStatus({ to: 'CANCELLED', actor: 'admin', now: later });
    const change = rollupChange(order.snapshot(), order.pullEvents(), false);
    expect(
      change.stats
        .filter((row) => row.period === 'hour')
        .map((row) => [row.status, row.cancel_category, row.order_count]),
    ).toEqual([
      ['CANCELLED', 'admin', 1],
      ['CONFIRMED', '', -1],
    ]);
    expect(change.sales.map((row) => row.quantity)).toEqual([-2]);
    expect(change.weeklySales.map((row) => row.quantity)).toEqual([-2]);
    // Still one order of the same customer.
    expect(change.customers).toEqual([]);
  });

  it('change no rollup for a saga step without a status change', () => {
    const order = anOrder().inStatus('CONFIRMED').build();
    order.requestCommit(later);
    expect(rollupChange(order.snapshot(), order.pullEvents(), false)).toEqual({
      stats: [],
      sales: [],
      weeklySales: [],
      customers: [],
    });
  });

  it('merge deltas per key, drop those that cancel out and sort by key', () => {
    const order = anOrder().build().snapshot();
    const merged = mergeDeltas([
      rollupContribution(order, facts('PENDING'), 1),
      rollupContribution(order, facts('PENDING'), -1),
      rollupContribution(order, facts('SHIPPED'), 1),
      rollupContribution(order, facts('DELIVERED'), 1),
    ]);
    expect(merged.stats.filter((row) => row.period === 'day').map((row) => row.status)).toEqual([
      'DELIVERED',
      'SHIPPED',
    ]);
    expect(merged.sales.map((row) => row.quantity)).toEqual([4]);
    expect(merged.weeklySales.map((row) => row.quantity)).toEqual([4]);
    expect(merged.customers.map((row) => row.order_count)).toEqual([2]);
  });
});

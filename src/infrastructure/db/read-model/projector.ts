import type { OrderState } from '../../../domain/order.js';
import type { OrderEvent } from '../../../domain/order-events.js';
import type { Dialect } from '../connection.js';
import type { Projector } from '../unit-of-work.js';
import {
  currentFacts,
  mergeDeltas,
  productRows,
  type RollupDeltas,
  type RollupFacts,
  rollupContribution,
  summaryRow,
} from './read-rows.js';
import { rollupWrites } from './rollups.js';

/**
 * Keeps the read model in step with the order, inside the unit of work's transaction: a client
 * reads its own writes from the primary, and the read model never holds an order the write
 * model rolled back. Called for every saved order, also for saga steps that record no event,
 * because the stored document shows those steps too.
 */
export function readModelProjector(dialect: Dialect): Projector {
  return (trx, writes, saved) => {
    const rollups: RollupDeltas[] = [];
    const createdOrders: Readonly<OrderState>[] = [];
    for (const { order, events } of saved) {
      const created = events.some((event) => event.type === 'order.created');
      if (created) createdOrders.push(order);
      else {
        const { id, customer_id: _customer, created_at: _createdAt, ...changes } = summaryRow(order);
        writes.update('order_summaries', changes, { id });
      }
      rollups.push(rollupChange(order, events, created));
    }
    if (createdOrders.length > 0) {
      writes.insert('order_summaries', createdOrders.map(summaryRow));
      writes.insert('order_products', createdOrders.flatMap(productRows));
    }
    // Every order of the transaction in one statement per rollup table, rows in key order: the
    // hot rows are locked once per transaction, always in the same order, so transactions that
    // share them queue on them but never deadlock over them.
    for (const write of rollupWrites(trx, dialect, mergeDeltas(rollups))) writes.add(write);
  };
}

/**
 * Moves the order's contribution from the facts it had before these events to the ones it has
 * now. Only a cancellation sets a category and nothing leaves CANCELLED, so an order that changed
 * status had none before; refunds that succeeded in these events were not counted before.
 */
export function rollupChange(
  order: Readonly<OrderState>,
  events: readonly OrderEvent[],
  created: boolean,
): RollupDeltas {
  const now = currentFacts(order);
  if (created) return mergeDeltas([rollupContribution(order, now, 1)]);
  const firstChange = events.find((event) => event.type === 'order.status_changed');
  const refundedNow = events.reduce(
    (sum, event) =>
      event.type === 'order.refund_settled' && event.refund.status === 'SUCCEEDED'
        ? sum + event.refund.amountMinor
        : sum,
    0,
  );
  const before: RollupFacts = {
    status: firstChange ? firstChange.from : now.status,
    cancelCategory: firstChange ? null : now.cancelCategory,
    refundedMinor: now.refundedMinor - refundedNow,
  };
  if (before.status === now.status && before.refundedMinor === now.refundedMinor) return mergeDeltas([]);
  return mergeDeltas([rollupContribution(order, before, -1), rollupContribution(order, now, 1)]);
}

import type { OrderState } from '../../../domain/order.js';
import type { OrderEvent } from '../../../domain/order-events.js';
import type { Dialect } from '../connection.js';
import type { Projector } from '../unit-of-work.js';
import { mergeDeltas, productRows, type RollupDeltas, rollupContribution, summaryRow } from './read-rows.js';
import { applyRollupDeltas } from './rollups.js';

/**
 * Keeps the read model in step with the order, inside the unit of work's transaction: a client
 * reads its own writes from the primary, and the read model never holds an order the write
 * model rolled back. Called for every saved order, also for saga steps that record no event,
 * because the stored document shows those steps too.
 */
export function readModelProjector(dialect: Dialect): Projector {
  return async (trx, order, events) => {
    const created = events.some((event) => event.type === 'order.created');
    const summary = summaryRow(order);
    if (created) {
      await trx.insertInto('order_summaries').values(summary).execute();
      await trx.insertInto('order_products').values(productRows(order)).execute();
    } else {
      const { id, customer_id: _customer, created_at: _createdAt, ...changes } = summary;
      await trx.updateTable('order_summaries').set(changes).where('id', '=', id).execute();
    }
    await applyRollupDeltas(trx, dialect, rollupChange(order, events, created));
  };
}

/** Moves the order's contribution from the status it had before these events to the one it has now. */
export function rollupChange(
  order: Readonly<OrderState>,
  events: readonly OrderEvent[],
  created: boolean,
): RollupDeltas {
  const now = rollupContribution(order, order.status, 1);
  if (created) return mergeDeltas([now]);
  const firstChange = events.find((event) => event.type === 'order.status_changed');
  if (!firstChange || firstChange.from === order.status) return mergeDeltas([]);
  return mergeDeltas([rollupContribution(order, firstChange.from, -1), now]);
}

import type { Envelope } from '../../application/messaging/contract.js';
import type { HandledReply } from '../../application/saga/saga-runner.js';

import type { OrderState } from '../../domain/order.js';
import type { Actor, OrderStatus } from '../../domain/order-status.js';
import type { CommitObserver } from '../db/unit-of-work.js';
import type { Metrics } from './metrics.js';
import { sagaWaitMs } from './saga-waits.js';

/**
 * Counts what committed: orders created, status changes, and the end of each place-order saga
 * (an order leaving PENDING). It runs after the commit, so a rolled-back change never counts.
 */
export function orderMetrics(metrics: Metrics): CommitObserver {
  return (changes) => {
    for (const { order, events } of changes) {
      for (const event of events) {
        if (event.type === 'order.created') {
          metrics.ordersCreated.inc();
          continue;
        }
        if (event.type !== 'order.status_changed') continue;
        metrics.orderStatusChanges.inc({ from: event.from, to: event.to });
        if (event.from === 'PENDING') {
          metrics.sagaOutcomes.inc({ outcome: sagaOutcome(order, event.to, event.by) });
          metrics.sagaDuration.observe(sagaWaitMs(order, event.occurredAt) / 1000);
        }
      }
    }
  };
}

/** Why the saga ended, from the order's own bookkeeping: a closed set of values. */
function sagaOutcome(order: Readonly<OrderState>, to: OrderStatus, by: Actor): string {
  if (to === 'CONFIRMED') return 'confirmed';
  if (order.inventory.status === 'REJECTED') return 'out_of_stock';
  if (order.payment.status === 'FAILED') return 'payment_failed';
  // The saga cancels for no other reason than a step that missed its deadline.
  return by === 'saga' ? 'timed_out' : 'cancelled';
}

/**
 * Observes payment replies once the saga has applied them (a duplicate or an ignored late reply
 * does not count). The duration runs from the payment.process command (the saga row is saved with
 * the command it waits for, in the same transaction) to now, in whichever instance handles the
 * reply. It used to look the command up in the outbox: a query per payment, before the reply was
 * acknowledged.
 */
export function paymentMetrics(deps: { metrics: Metrics; now: () => number }) {
  const { metrics, now } = deps;
  return (reply: Envelope, handled: HandledReply): void => {
    if (handled.outcome !== 'applied') return;
    if (reply.type !== 'payment.succeeded' && reply.type !== 'payment.failed') return;
    metrics.paymentProcessing.inc({ outcome: reply.type === 'payment.succeeded' ? 'succeeded' : 'failed' });
    if (handled.commandSentAt)
      metrics.paymentDuration.observe(Math.max(0, now() - handled.commandSentAt.getTime()) / 1000);
  };
}

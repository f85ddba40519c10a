import type { OrderState } from '../../domain/order.js';
import type { CommitObserver } from '../db/unit-of-work.js';

/** How long an order waited for its saga: created to the status change that took it out of PENDING. */
export function sagaWaitMs(order: Readonly<OrderState>, leftPendingAt: Date): number {
  return Math.max(0, leftPendingAt.getTime() - order.createdAt.getTime());
}

/**
 * Reports, after each commit, how long every order that left PENDING in it waited for its saga
 * (created to confirmed or cancelled), the measure the saga backlog's limit follows.
 */
export function sagaWaits(
  observe: (waitedMs: number, now: number) => void,
  now: () => number,
): CommitObserver {
  return (changes) => {
    for (const { order, events } of changes) {
      for (const event of events) {
        if (event.type !== 'order.status_changed' || event.from !== 'PENDING') continue;
        observe(sagaWaitMs(order, event.occurredAt), now());
      }
    }
  };
}

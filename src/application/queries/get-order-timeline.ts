import { OrderNotFound } from '../../domain/errors.js';
import { canActFor, type Principal } from '../access.js';
import type { OrderQueries } from '../ports.js';

/** The saga's progress for one order, oldest first: for its owner and staff only. */
export function getOrderTimelineHandler(queries: OrderQueries) {
  return async function getOrderTimeline(principal: Principal, orderId: string) {
    const timeline = await queries.timeline(orderId);
    // Someone else's order is reported as missing, so its existence does not leak.
    if (!timeline || !canActFor(principal, timeline.customerId)) throw new OrderNotFound(orderId);
    return {
      orderId,
      entries: timeline.entries.map((entry) => ({
        at: entry.at.toISOString(),
        kind: entry.kind,
        messageType: entry.messageType,
        messageId: entry.messageId,
        detail: entry.detail,
      })),
    };
  };
}

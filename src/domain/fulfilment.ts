import type { OrderState } from './order.js';
import { unshipped } from './shipments.js';

/** How much of an order has left the warehouse. */
export const fulfilmentStates = ['unfulfilled', 'partial', 'shipped'] as const;
export type FulfilmentState = (typeof fulfilmentStates)[number];

/**
 * Nothing shipped, some shipped, or nothing left to ship. Orders that reached SHIPPED before
 * shipments existed have none recorded and count as shipped.
 */
export function fulfilmentOf(
  order: Readonly<Pick<OrderState, 'status' | 'items' | 'shipments' | 'cancelledItems'>>,
): FulfilmentState {
  if (order.status === 'SHIPPED' || order.status === 'DELIVERED') return 'shipped';
  if (order.shipments.length === 0) return 'unfulfilled';
  return unshipped(order.items, order.shipments, order.cancelledItems).size === 0 ? 'shipped' : 'partial';
}

import type { OrderState } from './order.js';

/** How much of an order has left the warehouse. */
export const fulfilmentStates = ['unfulfilled', 'partial', 'shipped'] as const;
export type FulfilmentState = (typeof fulfilmentStates)[number];

/** An order ships whole when it reaches SHIPPED; everything before that is unfulfilled. */
export function fulfilmentOf(order: Readonly<Pick<OrderState, 'status'>>): FulfilmentState {
  return order.status === 'SHIPPED' || order.status === 'DELIVERED' ? 'shipped' : 'unfulfilled';
}

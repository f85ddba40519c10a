import { OrderNotFound } from '../../domain/errors.js';
import { canActFor, type Principal } from '../access.js';
import { type OrderView, toOrderView } from '../order-view.js';
import type { OrderQueries } from '../ports.js';

export function getOrderHandler(queries: OrderQueries) {
  return async function getOrder(principal: Principal, orderId: string): Promise<OrderView> {
    const order = await queries.findById(orderId);
    // Someone else's order is reported as missing, so its existence does not leak.
    if (!order || !canActFor(principal, order.customerId)) throw new OrderNotFound(orderId);
    return toOrderView(order);
  };
}

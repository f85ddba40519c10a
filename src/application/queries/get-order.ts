import { OrderNotFound } from '../../domain/errors.js';
import { canActFor, type Principal } from '../access.js';
import type { OrderQueries } from '../ports.js';

/** Returns the order's view as JSON text, served as it was stored: no parse, no re-serialization. */
export function getOrderHandler(queries: OrderQueries) {
  return async function getOrder(principal: Principal, orderId: string): Promise<string> {
    const found = await queries.findView(orderId);
    // Someone else's order is reported as missing, so its existence does not leak.
    if (!found || !canActFor(principal, found.customerId)) throw new OrderNotFound(orderId);
    return found.json;
  };
}

import { OrderNotFound } from '../../domain/errors.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { actorOf, canActFor, type Principal } from '../access.js';
import { type OrderView, toOrderView } from '../order-view.js';
import type { Clock, IdGenerator, UnitOfWork } from '../ports.js';

export interface ChangeStatusRequest {
  status: OrderStatus;
  trackingNumber?: string | null;
  reason?: string | null;
}

/**
 * Moves an order along its lifecycle. What the saga must do about it (refund and release on
 * cancel, commit the stock on ship) follows from the status change event, in the same transaction.
 * `newId` names the shipment SHIPPED creates for what has not shipped, and the refund of a partly
 * shipped order's cancellation.
 */
export function changeOrderStatusHandler(deps: { uow: UnitOfWork; clock: Clock; newId: IdGenerator }) {
  return async function changeOrderStatus(
    principal: Principal,
    orderId: string,
    request: ChangeStatusRequest,
  ): Promise<OrderView> {
    const order = await deps.uow.run(async (repositories) => {
      const found = await repositories.orders.findByIdForUpdate(orderId);
      // Someone else's order is reported as missing, so its existence does not leak.
      if (!found || !canActFor(principal, found.customerId)) throw new OrderNotFound(orderId);
      const changed = found.changeStatus({
        to: request.status,
        actor: actorOf(principal),
        trackingNumber: request.trackingNumber ?? null,
        reason: request.reason ?? null,
        shipmentId: deps.newId(),
        refundId: deps.newId(),
        now: deps.clock(),
      });
      if (changed) repositories.orders.update(found);
      return found;
    });
    return toOrderView(order.snapshot());
  };
}

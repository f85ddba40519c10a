import { OrderNotFound } from '../../domain/errors.js';
import type { Order } from '../../domain/order.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { actorOf, canActFor, type Principal } from '../access.js';
import { type OrderView, toOrderView } from '../order-view.js';
import type { Clock, IdGenerator, Transaction, UnitOfWork } from '../ports.js';

export interface ChangeStatusRequest {
  status: OrderStatus;
  trackingNumber?: string | null;
  reason?: string | null;
}

export interface ChangeStatusDeps {
  uow: UnitOfWork;
  clock: Clock;
  /** Names the shipment that SHIPPED creates for whatever has not shipped yet. */
  newId: IdGenerator;
  /** Lets the saga react in the same transaction (refund and release on cancel, commit stock on ship). */
  onStatusChanged: (tx: Transaction, order: Order, from: OrderStatus) => Promise<void>;
}

export function changeOrderStatusHandler(deps: ChangeStatusDeps) {
  return async function changeOrderStatus(
    principal: Principal,
    orderId: string,
    request: ChangeStatusRequest,
  ): Promise<OrderView> {
    return deps.uow.run(async (tx) => {
      const order = await tx.orders.findByIdForUpdate(orderId);
      // Someone else's order is reported as missing, so its existence does not leak.
      if (!order || !canActFor(principal, order.customerId)) throw new OrderNotFound(orderId);
      const from = order.status;
      const changed = order.changeStatus({
        to: request.status,
        actor: actorOf(principal),
        trackingNumber: request.trackingNumber ?? null,
        reason: request.reason ?? null,
        shipmentId: deps.newId(),
        refundId: deps.newId(),
        now: deps.clock(),
      });
      if (changed) {
        await deps.onStatusChanged(tx, order, from);
        await tx.orders.update(order);
      }
      return toOrderView(order.snapshot());
    });
  };
}

import { Forbidden, OrderNotFound } from '../../domain/errors.js';
import { actorOf, isStaff, type Principal } from '../access.js';
import { type ShipmentView, toShipmentView } from '../order-view.js';
import type { Clock, IdGenerator, UnitOfWork } from '../ports.js';
import { idempotent } from './idempotent.js';

export interface ShipmentBody {
  items: ReadonlyArray<{ productId: string; quantity: number }>;
  trackingNumber: string;
  carrier?: string;
}

/**
 * Records a shipment of part of a confirmed order. The aggregate checks it against what is
 * left to ship; its `order.shipment_created` event starts the stock commit (fulfilment-saga.ts)
 * in the same transaction. With an Idempotency-Key, a request sent again (a client that never saw
 * the answer) gets the first shipment back instead of shipping the units that are left.
 */
export function shipOrderHandler(deps: { uow: UnitOfWork; clock: Clock; newId: IdGenerator }) {
  return async function shipOrder(
    principal: Principal,
    orderId: string,
    body: ShipmentBody,
    idempotencyKey?: string,
  ) {
    // A role check, before any lookup: it tells a customer nothing about the order.
    if (!isStaff(principal)) throw new Forbidden('Only fulfilment or an admin ships orders');
    const canonical = () => ({
      orderId,
      items: body.items.map(({ productId, quantity }) => ({ productId, quantity })),
      trackingNumber: body.trackingNumber,
      carrier: body.carrier ?? null,
    });
    return idempotent<ShipmentView>(
      deps.uow,
      { scope: `shipments/${orderId}`, key: idempotencyKey, canonical, statusCode: 201 },
      (remember) =>
        deps.uow.run(async (tx) => {
          const order = await tx.orders.findByIdForUpdate(orderId);
          if (!order) throw new OrderNotFound(orderId);
          const shipment = order.ship({
            shipmentId: deps.newId(),
            items: body.items,
            trackingNumber: body.trackingNumber,
            carrier: body.carrier ?? null,
            actor: actorOf(principal),
            now: deps.clock(),
          });
          await tx.orders.update(order);
          const view = toShipmentView(shipment);
          remember(tx, orderId, () => view);
          return view;
        }),
    );
  };
}

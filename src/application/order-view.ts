import { fulfilmentOf } from '../domain/fulfilment.js';
import { toDecimal } from '../domain/money.js';
import type { OrderState } from '../domain/order.js';
import { type Refund, refundedMinor } from '../domain/refunds.js';
import type { Shipment } from '../domain/shipments.js';

export const toShipmentView = (shipment: Readonly<Shipment>) => ({
  id: shipment.id,
  items: shipment.items.map(({ productId, quantity }) => ({ productId, quantity })),
  trackingNumber: shipment.trackingNumber,
  carrier: shipment.carrier,
  shippedAt: shipment.shippedAt.toISOString(),
  stockStatus: shipment.stock,
});

export const toRefundView = (refund: Readonly<Refund>, currency: string) => ({
  id: refund.id,
  amount: toDecimal(refund.amountMinor, currency),
  currency,
  reason: refund.reason,
  status: refund.status,
  requestedAt: refund.requestedAt.toISOString(),
  settledAt: refund.settledAt ? refund.settledAt.toISOString() : null,
});

/** The public representation of an order (API responses, idempotent replays, event payloads). */
export function toOrderView(order: Readonly<OrderState>) {
  const money = (amountMinor: number) => toDecimal(amountMinor, order.currency);
  return {
    id: order.id,
    customerId: order.customerId,
    status: order.status,
    items: order.items.map((item) => ({
      productId: item.productId,
      quantity: item.quantity,
      price: money(item.unitPriceMinor),
      lineTotal: money(item.lineTotalMinor),
    })),
    shippingAddress: { ...order.shippingAddress },
    totalAmount: money(order.totalMinor),
    currency: order.currency,
    trackingNumber: order.trackingNumber,
    cancellationReason: order.cancellationReason,
    payment: { ...order.payment },
    inventory: { ...order.inventory },
    fulfilment: fulfilmentOf(order),
    shipments: order.shipments.map(toShipmentView),
    refunds: order.refunds.map((refund) => toRefundView(refund, order.currency)),
    refundedAmount: money(refundedMinor(order.refunds)),
    statusHistory: order.statusHistory.map((change) => ({
      status: change.status,
      changedAt: change.changedAt.toISOString(),
      changedBy: change.changedBy,
      reason: change.reason,
      causationId: change.causationId,
    })),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    version: order.version,
  };
}

export type ShipmentView = ReturnType<typeof toShipmentView>;
export type RefundView = ReturnType<typeof toRefundView>;
export type OrderView = ReturnType<typeof toOrderView>;

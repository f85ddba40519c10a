import { toDecimal } from '../domain/money.js';
import type { OrderState } from '../domain/order.js';

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

export type OrderView = ReturnType<typeof toOrderView>;

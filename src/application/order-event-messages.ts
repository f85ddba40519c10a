import { fulfilmentOf } from '../domain/fulfilment.js';
import type { OrderState } from '../domain/order.js';
import type { OrderEvent } from '../domain/order-events.js';
import { orderMessage, type RoutedMessage, topology } from './messaging/contract.js';
import { toOrderView, toRefundView, toShipmentView } from './order-view.js';
import type { IdGenerator } from './ports.js';

/**
 * Turns an order's domain events into messages on the `orders.events` topic exchange. Every
 * status change is published as `order.status_changed`; the outcomes other services most often
 * wait for (`order.confirmed`, `order.cancelled`) also get an event of their own, and so do
 * shipments and refunds.
 */
export function orderEventMessages(newId: IdGenerator) {
  return (
    order: Readonly<OrderState>,
    events: readonly OrderEvent[],
    causationId: string | null = null,
  ): RoutedMessage[] => {
    const messages: RoutedMessage[] = [];
    const publish = (type: string, occurredAt: Date, payload: unknown) =>
      messages.push(
        orderMessage(topology.eventsExchange, type, order.id, payload, {
          messageId: newId(),
          causationId,
          occurredAt,
        }),
      );
    for (const event of events) {
      if (event.type === 'order.created') {
        publish('order.created', event.occurredAt, { order: toOrderView(order) });
        continue;
      }
      if (event.type === 'order.shipment_created') {
        publish('order.shipment_created', event.occurredAt, {
          orderId: event.orderId,
          customerId: order.customerId,
          shipment: toShipmentView(event.shipment),
          fulfilment: fulfilmentOf(order),
        });
        continue;
      }
      // Told to others by the SHIPPED status change (its reason) and the refund it starts.
      if (event.type === 'order.remainder_cancelled') continue;
      if (event.type === 'order.refund_requested' || event.type === 'order.refund_settled') {
        const type =
          event.type === 'order.refund_requested'
            ? 'order.refund_requested'
            : event.refund.status === 'SUCCEEDED'
              ? 'order.refund_succeeded'
              : 'order.refund_failed';
        publish(type, event.occurredAt, {
          orderId: event.orderId,
          customerId: order.customerId,
          refund: toRefundView(event.refund, order.currency),
        });
        continue;
      }
      const change = {
        orderId: event.orderId,
        customerId: order.customerId,
        from: event.from,
        to: event.to,
        reason: event.reason,
        changedBy: event.by,
        version: order.version,
      };
      publish('order.status_changed', event.occurredAt, change);
      if (event.to === 'CONFIRMED')
        publish('order.confirmed', event.occurredAt, { order: toOrderView(order) });
      if (event.to === 'CANCELLED') publish('order.cancelled', event.occurredAt, change);
    }
    return messages;
  };
}

import type { OrderState } from '../../domain/order.js';
import type { OrderEvent } from '../../domain/order-events.js';
import type { Refund } from '../../domain/refunds.js';
import type { Shipment } from '../../domain/shipments.js';
import { type CommandPayloads, type CommandType, type LineItem, topology } from '../messages.js';
import type { Clock, IdGenerator, OutboxMessage } from '../ports.js';

/**
 * After confirmation: the steps a shipment and a refund start. The aggregate records
 * `order.shipment_created` and `order.refund_requested`; the unit of work turns each into its
 * command in the same transaction, beside the event itself, so the state change and the
 * command commit together. Replies come back through the saga runner (place-order-saga.ts).
 */
export function fulfilmentSaga(deps: { clock: Clock; newId: IdGenerator }) {
  function command<K extends CommandType>(
    type: K,
    order: Readonly<OrderState>,
    payload: CommandPayloads[K],
    causationId: string | null,
  ): OutboxMessage {
    return {
      exchange: topology.commandsExchange,
      routingKey: type,
      envelope: {
        messageId: deps.newId(),
        type,
        correlationId: order.id,
        causationId,
        occurredAt: deps.clock().toISOString(),
        payload,
      },
    };
  }

  const steps = {
    /**
     * Commits the shipment's units of the reservation. No compensation: goods that left the
     * warehouse stay gone; the participant is idempotent by shipmentId, so the broker's retries
     * are safe.
     */
    commitStock: {
      invoke: (order: Readonly<OrderState>, shipment: Readonly<Shipment>, cause: string | null) =>
        command(
          'inventory.commit',
          order,
          {
            orderId: order.id,
            shipmentId: shipment.id,
            items: shipment.items.map(({ productId, quantity }) => ({ productId, quantity })),
          },
          cause,
        ),
    },
    /**
     * Gives money back on the captured payment. Its compensation is the reply itself: a refund
     * the provider refuses is recorded as FAILED and frees its amount for another attempt.
     */
    refund: {
      invoke: (order: Readonly<OrderState>, refund: Readonly<Refund>, cause: string | null) =>
        command(
          'payment.refund',
          order,
          {
            orderId: order.id,
            transactionId: order.payment.transactionId ?? '',
            amountMinor: refund.amountMinor,
            currency: order.currency,
            refundId: refund.id,
          },
          cause,
        ),
    },
  };

  /** Cancelling a partly shipped order gives back the stock of the units that will never ship. */
  const releaseUnshipped = (
    order: Readonly<OrderState>,
    items: readonly LineItem[],
    reason: string,
    cause: string | null,
  ) => command('inventory.release', order, { orderId: order.id, reason, items: [...items] }, cause);

  /** The commands the order's new events start. */
  return (
    order: Readonly<OrderState>,
    events: readonly OrderEvent[],
    cause: string | null,
  ): OutboxMessage[] =>
    events.flatMap((event) => {
      if (event.type === 'order.shipment_created')
        return [steps.commitStock.invoke(order, event.shipment, cause)];
      if (event.type === 'order.refund_requested') return [steps.refund.invoke(order, event.refund, cause)];
      if (event.type === 'order.remainder_cancelled')
        return [releaseUnshipped(order, event.items, event.reason, cause)];
      return [];
    });
}

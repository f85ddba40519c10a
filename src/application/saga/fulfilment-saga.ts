import type { OrderState } from '../../domain/order.js';
import type { OrderEvent } from '../../domain/order-events.js';
import type { Refund } from '../../domain/refunds.js';
import type { Shipment } from '../../domain/shipments.js';
import {
  type CommandPayloads,
  type CommandType,
  type LineItem,
  type RoutedMessage,
  topology,
} from '../messaging/contract.js';
import type { Clock, DomainEventPolicy, IdGenerator } from '../ports.js';

/**
 * After confirmation: the steps a shipment and a refund start. The aggregate records
 * `order.shipment_created`, `order.refund_requested` and `order.remainder_cancelled`; this policy
 * turns each into its command (and a timeline entry) inside the unit of work that recorded it,
 * so the state change and the command commit together. Replies come back through the saga
 * runner (place-order-saga.ts, `afterTheFact`).
 */
export function fulfilmentPolicy(deps: { clock: Clock; newId: IdGenerator }): DomainEventPolicy {
  const commandsOf = fulfilmentCommands(deps);
  return async (repositories, order, event, causationId) => {
    const commands = commandsOf(order.snapshot(), [event], causationId);
    if (commands.length === 0) return;
    repositories.outbox.add(commands);
    repositories.timeline.add(
      order.id,
      commands.map(({ envelope }) => ({
        at: deps.clock(),
        kind: 'command' as const,
        messageType: envelope.type,
        messageId: envelope.messageId,
        detail: timelineDetail(envelope.payload as Record<string, unknown>),
      })),
    );
  };
}

/** What the timeline says of a fulfilment command: which shipment or refund, and how much. */
function timelineDetail(payload: Record<string, unknown>): string | null {
  if (typeof payload.shipmentId === 'string') return `shipment ${payload.shipmentId}`;
  if (typeof payload.refundId === 'string')
    return `refund ${payload.refundId} of ${payload.amountMinor} minor units`;
  return typeof payload.reason === 'string' ? payload.reason : null;
}

/** The commands an order's new events start (exported for unit tests). */
export function fulfilmentCommands(deps: { clock: Clock; newId: IdGenerator }) {
  function command<K extends CommandType>(
    type: K,
    order: Readonly<OrderState>,
    payload: CommandPayloads[K],
    causationId: string | null,
  ): RoutedMessage {
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
  ): RoutedMessage[] =>
    events.flatMap((event) => {
      if (event.type === 'order.shipment_created')
        return [steps.commitStock.invoke(order, event.shipment, cause)];
      if (event.type === 'order.refund_requested') return [steps.refund.invoke(order, event.refund, cause)];
      if (event.type === 'order.remainder_cancelled')
        return [releaseUnshipped(order, event.items, event.reason, cause)];
      return [];
    });
}

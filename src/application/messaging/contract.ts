/**
 * The messaging contract (documented for other teams in docs/asyncapi.yaml).
 * Commands go to a participant's queue, replies come back to the order service's reply queue,
 * events go to the `orders.events` topic exchange. Amounts are integer minor units.
 */

export interface Envelope<TType extends string = string, TPayload = unknown> {
  messageId: string;
  type: TType;
  /** The order id: every message of one saga shares it. */
  correlationId: string;
  /** The messageId of the message that caused this one, or null for the first of a chain. */
  causationId: string | null;
  occurredAt: string;
  payload: TPayload;
  /**
   * W3C trace context of the span that sent it (`00-<trace id>-<span id>-<flags>`), also sent as
   * the AMQP `traceparent` header: the replies to a command, and what they cause, continue the
   * trace of the request that started the saga. Absent when tracing is off.
   */
  traceparent?: string;
}

/** A message and where it goes: what the outbox stores and the bus publishes. */
export interface RoutedMessage {
  exchange: string;
  routingKey: string;
  envelope: Envelope;
}

/**
 * A message about one order: its correlation id is the order's id (every message of a saga, and
 * every event, shares it) and its routing key is its type.
 */
export function orderMessage(
  exchange: string,
  type: string,
  orderId: string,
  payload: unknown,
  origin: { messageId: string; causationId: string | null; occurredAt: Date },
): RoutedMessage {
  return {
    exchange,
    routingKey: type,
    envelope: {
      messageId: origin.messageId,
      type,
      correlationId: orderId,
      causationId: origin.causationId,
      occurredAt: origin.occurredAt.toISOString(),
      payload,
    },
  };
}

export interface LineItem {
  productId: string;
  quantity: number;
}

export const commandTypes = [
  'inventory.reserve',
  'inventory.release',
  'inventory.commit',
  'payment.process',
  'payment.refund',
] as const;

export const replyTypes = [
  'inventory.reserved',
  'inventory.rejected',
  'inventory.released',
  'inventory.committed',
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'payment.refund_failed',
] as const;

export interface CommandPayloads extends Record<CommandType, object> {
  'inventory.reserve': { orderId: string; items: LineItem[] };
  /**
   * `reservationId` names one reservation to release (an unrequested second one); `items` only
   * those units (the unshipped part of a partly shipped order); neither: the order's reservation.
   */
  'inventory.release': { orderId: string; reason: string; reservationId?: string; items?: LineItem[] };
  /** With a shipment: commit that shipment's units; without (older senders): the whole reservation. */
  'inventory.commit': { orderId: string; shipmentId?: string; items?: LineItem[] };
  'payment.process': { orderId: string; customerId: string; amountMinor: number; currency: string };
  /** With a refundId: one refund of `amountMinor`, answered refunded or refund_failed; without: a cancellation's full refund. */
  'payment.refund': {
    orderId: string;
    transactionId: string;
    amountMinor: number;
    currency: string;
    refundId?: string;
  };
}

export interface ReplyPayloads extends Record<ReplyType, object> {
  'inventory.reserved': { orderId: string; reservationId: string };
  'inventory.rejected': { orderId: string; reason: string; productIds: string[] };
  'inventory.released': { orderId: string };
  'inventory.committed': { orderId: string; shipmentId?: string };
  'payment.succeeded': { orderId: string; transactionId: string; amountMinor: number; currency: string };
  'payment.failed': { orderId: string; reason: string };
  'payment.refunded': { orderId: string; transactionId: string; refundId?: string };
  'payment.refund_failed': { orderId: string; transactionId: string; refundId: string; reason: string };
}

export type CommandType = (typeof commandTypes)[number];
export type ReplyType = (typeof replyTypes)[number];
export type Command = { [K in CommandType]: Envelope<K, CommandPayloads[K]> }[CommandType];
export type Reply = { [K in ReplyType]: Envelope<K, ReplyPayloads[K]> }[ReplyType];

export function isReply(envelope: Envelope): envelope is Reply {
  return (replyTypes as readonly string[]).includes(envelope.type);
}

/** Exchange and queue names, shared by the service, the simulators and the docs. */
export const topology = {
  commandsExchange: 'orders.commands',
  repliesExchange: 'orders.replies',
  eventsExchange: 'orders.events',
  deadLetterExchange: 'orders.dlx',
  inventoryQueue: 'inventory.commands',
  paymentQueue: 'payment.commands',
  replyQueue: 'order-service.replies',
  deadLetterQueue: 'orders.dead-letter',
} as const;

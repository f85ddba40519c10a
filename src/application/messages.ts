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
}

export interface LineItem {
  productId: string;
  quantity: number;
}

export interface CommandPayloads {
  'inventory.reserve': { orderId: string; items: LineItem[] };
  /** With items: give back only those units (the unshipped part of a partly shipped order). */
  'inventory.release': { orderId: string; reason: string; items?: LineItem[] };
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

export interface ReplyPayloads {
  'inventory.reserved': { orderId: string; reservationId: string };
  'inventory.rejected': { orderId: string; reason: string; productIds: string[] };
  'inventory.released': { orderId: string };
  'inventory.committed': { orderId: string; shipmentId?: string };
  'payment.succeeded': { orderId: string; transactionId: string; amountMinor: number; currency: string };
  'payment.failed': { orderId: string; reason: string };
  'payment.refunded': { orderId: string; transactionId: string; refundId?: string };
  'payment.refund_failed': { orderId: string; transactionId: string; refundId: string; reason: string };
}

export type CommandType = keyof CommandPayloads;
export type ReplyType = keyof ReplyPayloads;
export type Command = { [K in CommandType]: Envelope<K, CommandPayloads[K]> }[CommandType];
export type Reply = { [K in ReplyType]: Envelope<K, ReplyPayloads[K]> }[ReplyType];

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

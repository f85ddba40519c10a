import { isStaff, type Principal } from './access.js';
import type { Envelope } from './messaging/contract.js';

/** What a live view learns of an order change: enough to refresh a row, not the whole order. */
export interface OrderChange {
  messageId: string;
  type: string;
  orderId: string;
  customerId: string | null;
  /** The order's status after the change, when the event says. */
  status: string | null;
  occurredAt: string;
}

/** Reads an `orders.events` message; the payload shapes are those of order-event-messages.ts. */
export function toOrderChange(envelope: Envelope): OrderChange {
  const payload = (envelope.payload ?? {}) as {
    customerId?: unknown;
    to?: unknown;
    order?: { customerId?: unknown; status?: unknown };
  };
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    messageId: envelope.messageId,
    type: envelope.type,
    orderId: envelope.correlationId,
    customerId: text(payload.customerId) ?? text(payload.order?.customerId),
    status: text(payload.to) ?? text(payload.order?.status),
    occurredAt: envelope.occurredAt,
  };
}

/** Staff see every order's changes; a customer only those of its own orders. */
export function maySee(principal: Principal, change: OrderChange): boolean {
  return isStaff(principal) || (change.customerId !== null && change.customerId === principal.subject);
}

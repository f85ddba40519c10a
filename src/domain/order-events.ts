import type { Actor, OrderStatus } from './order-status.js';

/** What happened to an order, recorded by the aggregate and turned into outbox rows on commit. */
export type OrderEvent =
  | { type: 'order.created'; orderId: string; occurredAt: Date; by: Actor }
  | {
      type: 'order.status_changed';
      orderId: string;
      occurredAt: Date;
      from: OrderStatus;
      to: OrderStatus;
      reason: string | null;
      /** Who made the change: tells a saga that gave up apart from a customer who cancelled. */
      by: Actor;
    };

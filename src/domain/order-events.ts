import type { Actor, OrderStatus } from './order-status.js';
import type { Refund } from './refunds.js';
import type { Shipment, ShipmentLine } from './shipments.js';

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
    }
  | { type: 'order.shipment_created'; orderId: string; occurredAt: Date; shipment: Readonly<Shipment> }
  /** Cancelling a partly shipped order cancels only these units: they will never ship. */
  | {
      type: 'order.remainder_cancelled';
      orderId: string;
      occurredAt: Date;
      items: readonly ShipmentLine[];
      reason: string;
    }
  | { type: 'order.refund_requested'; orderId: string; occurredAt: Date; refund: Readonly<Refund> }
  /** The refund's status is SUCCEEDED or FAILED. */
  | { type: 'order.refund_settled'; orderId: string; occurredAt: Date; refund: Readonly<Refund> };

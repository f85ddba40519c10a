import type { Selectable } from 'kysely';
import type { CancellationCategory } from '../../domain/cancellation.js';
import type { InventoryStatus, OrderState, PaymentStatus } from '../../domain/order.js';
import type { Actor, OrderStatus } from '../../domain/order-status.js';
import type { Refund } from '../../domain/refunds.js';
import type { Shipment, ShipmentLine } from '../../domain/shipments.js';
import type { OrderItemsTable, OrderStatusHistoryTable, OrdersTable } from './schema.js';

/** Maps between the order aggregate's state and its three tables. */
export function toOrderRow(order: Readonly<OrderState>): OrdersTable {
  return {
    id: order.id,
    customer_id: order.customerId,
    status: order.status,
    currency: order.currency,
    total_minor: order.totalMinor,
    shipping_street: order.shippingAddress.street,
    shipping_city: order.shippingAddress.city,
    shipping_state: order.shippingAddress.state,
    shipping_zip: order.shippingAddress.zipCode,
    tracking_number: order.trackingNumber,
    cancellation_reason: order.cancellationReason,
    cancellation_category: order.cancellationCategory,
    shipments: JSON.stringify(order.shipments),
    refunds: JSON.stringify(order.refunds),
    cancelled_items: JSON.stringify(order.cancelledItems),
    payment_status: order.payment.status,
    payment_transaction_id: order.payment.transactionId,
    inventory_status: order.inventory.status,
    inventory_reservation_id: order.inventory.reservationId,
    created_at: order.createdAt.getTime(),
    updated_at: order.updatedAt.getTime(),
    version: order.version,
  };
}

export function toItemRows(order: Readonly<OrderState>): OrderItemsTable[] {
  return order.items.map((item, index) => ({
    order_id: order.id,
    line_no: index + 1,
    product_id: item.productId,
    quantity: item.quantity,
    unit_price_minor: item.unitPriceMinor,
    line_total_minor: item.lineTotalMinor,
  }));
}

export function toHistoryRows(order: Readonly<OrderState>, fromIndex = 0): OrderStatusHistoryTable[] {
  return order.statusHistory.slice(fromIndex).map((change, offset) => ({
    order_id: order.id,
    seq: fromIndex + offset + 1,
    status: change.status,
    changed_at: change.changedAt.getTime(),
    changed_by: change.changedBy,
    reason: change.reason,
    causation_id: change.causationId,
  }));
}

export function toOrderState(
  row: Selectable<OrdersTable>,
  items: Selectable<OrderItemsTable>[],
  history: Selectable<OrderStatusHistoryTable>[],
): OrderState {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status as OrderStatus,
    items: [...items]
      .sort((a, b) => a.line_no - b.line_no)
      .map((item) => ({
        productId: item.product_id,
        quantity: Number(item.quantity),
        unitPriceMinor: Number(item.unit_price_minor),
        lineTotalMinor: Number(item.line_total_minor),
      })),
    shippingAddress: {
      street: row.shipping_street,
      city: row.shipping_city,
      state: row.shipping_state,
      zipCode: row.shipping_zip,
    },
    currency: row.currency,
    totalMinor: Number(row.total_minor),
    trackingNumber: row.tracking_number,
    cancellationReason: row.cancellation_reason,
    // These columns are absent while migrations before 0008/0009 load orders to backfill the read model.
    cancellationCategory: (row.cancellation_category ?? null) as CancellationCategory | null,
    shipments: parseList<StoredShipment>(row.shipments).map((shipment) => ({
      ...shipment,
      shippedAt: new Date(shipment.shippedAt),
    })),
    refunds: parseList<StoredRefund>(row.refunds).map((refund) => ({
      ...refund,
      requestedAt: new Date(refund.requestedAt),
      settledAt: refund.settledAt === null ? null : new Date(refund.settledAt),
    })),
    cancelledItems: parseList<ShipmentLine>(row.cancelled_items),
    payment: { status: row.payment_status as PaymentStatus, transactionId: row.payment_transaction_id },
    inventory: {
      status: row.inventory_status as InventoryStatus,
      reservationId: row.inventory_reservation_id,
    },
    statusHistory: [...history]
      .sort((a, b) => a.seq - b.seq)
      .map((change) => ({
        status: change.status as OrderStatus,
        changedAt: new Date(Number(change.changed_at)),
        // Rows from before who and why were recorded: the saga made every change but the first.
        changedBy: (change.changed_by ?? (change.seq === 1 ? 'customer' : 'saga')) as Actor,
        reason: change.reason,
        causationId: change.causation_id ?? null,
      })),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
    version: Number(row.version),
  };
}

type Stored<T, D extends keyof T> = Omit<T, D> & { [K in D]: T[K] extends Date ? string : string | null };
type StoredShipment = Stored<Shipment, 'shippedAt'>;
type StoredRefund = Stored<Refund, 'requestedAt' | 'settledAt'>;

const parseList = <T>(json: string | undefined): T[] => (json ? (JSON.parse(json) as T[]) : []);

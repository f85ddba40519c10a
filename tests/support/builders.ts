import { type InventoryStatus, Order, type OrderState, type PaymentStatus } from '../../src/domain/order.js';
import type { OrderStatus } from '../../src/domain/order-status.js';

const t0 = new Date('2026-11-25T10:00:00.000Z');

/**
 * An order in any state without walking it through the saga: `anOrder().inStatus('SHIPPED').build()`.
 * Past PENDING (and not cancelled) its stock is reserved and its payment taken, as the saga leaves it.
 */
export function anOrder() {
  const state: OrderState = {
    id: '0190a000-0000-7000-8000-000000000001',
    customerId: 'customer-1',
    status: 'PENDING',
    items: [{ productId: 'p-1', quantity: 2, unitPriceMinor: 2999, lineTotalMinor: 5998 }],
    shippingAddress: { street: '123 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
    currency: 'USD',
    totalMinor: 5998,
    trackingNumber: null,
    cancellationReason: null,
    cancellationCategory: null,
    payment: { status: 'NOT_STARTED', transactionId: null },
    inventory: { status: 'NOT_STARTED', reservationId: null },
    statusHistory: [
      { status: 'PENDING', changedAt: t0, changedBy: 'customer', reason: null, causationId: null },
    ],
    shipments: [],
    refunds: [],
    cancelledItems: [],
    createdAt: t0,
    updatedAt: t0,
    version: 1,
  };
  const builder = {
    inStatus(status: OrderStatus) {
      state.status = status;
      if (status === 'SHIPPED' || status === 'DELIVERED') state.trackingNumber = '1Z999AA10123456789';
      if (status === 'CANCELLED') {
        state.cancellationReason = 'changed my mind';
        state.cancellationCategory = 'customer';
      }
      if (status !== 'PENDING' && status !== 'CANCELLED') {
        state.inventory = { status: 'RESERVED', reservationId: 'res-1' };
        state.payment = { status: 'SUCCEEDED', transactionId: 'tx-1' };
      }
      if (status !== 'PENDING') {
        const changedBy = status === 'CONFIRMED' ? 'saga' : 'service';
        state.statusHistory.push({ status, changedAt: t0, changedBy, reason: null, causationId: null });
      }
      return builder;
    },
    withInventory(status: InventoryStatus) {
      state.inventory = { status, reservationId: status === 'NOT_STARTED' ? null : 'res-1' };
      return builder;
    },
    withPayment(status: PaymentStatus) {
      state.payment = {
        status,
        transactionId: ['NOT_STARTED', 'PENDING', 'FAILED'].includes(status) ? null : 'tx-1',
      };
      return builder;
    },
    build: () => Order.rehydrate(structuredClone(state)),
  };
  return builder;
}

export const later = new Date('2026-11-25T11:00:00.000Z');

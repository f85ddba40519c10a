import { describe, expect, it } from 'vitest';
import { IllegalProgress } from '../../../src/domain/errors.js';
import { Order } from '../../../src/domain/order.js';
import {
  type InventoryMove,
  inventoryMoves,
  inventoryStatuses,
  type PaymentMove,
  paymentMoves,
  paymentStatuses,
} from '../../../src/domain/order-progress.js';
import { anOrder, later } from '../../support/builders.js';

/** Each named move of the aggregate, called as the saga calls it. */
const inventoryCalls: Record<InventoryMove, (order: Order) => void> = {
  requestReservation: (order) => order.requestReservation(later),
  withdrawReservation: (order) => order.withdrawReservation(later),
  reserved: (order) => order.recordReservation('res-9', later),
  rejected: (order) => order.recordStockRejection(later),
  requestRelease: (order) => order.requestRelease(later),
  released: (order) => order.recordRelease(later),
  requestCommit: (order) => order.requestCommit(later),
  committed: (order) => order.recordCommit(later),
};

const paymentCalls: Record<PaymentMove, (order: Order) => void> = {
  requestPayment: (order) => order.requestPayment(later),
  withdrawPayment: (order) => order.withdrawPayment(later),
  succeeded: (order) => order.recordPayment('tx-9', later),
  failed: (order) => order.recordPaymentFailure(later),
  requestRefund: (order) => order.requestRefund(later),
  refunded: (order) => order.recordRefund(later),
};

const inventoryCases = inventoryStatuses.flatMap((from) =>
  (Object.keys(inventoryMoves) as InventoryMove[]).map((move) => ({
    from,
    move,
    allowed: (inventoryMoves[move].from as readonly string[]).includes(from),
  })),
);

const paymentCases = paymentStatuses.flatMap((from) =>
  (Object.keys(paymentMoves) as PaymentMove[]).map((move) => ({
    from,
    move,
    allowed: (paymentMoves[move].from as readonly string[]).includes(from),
  })),
);

describe('the order’s stock reservation moves', () => {
  it.each(inventoryCases.filter((c) => c.allowed))('allow $move from $from', ({ from, move }) => {
    const order = anOrder().withInventory(from).build();
    inventoryCalls[move](order);
    expect(order.inventory.status).toBe(inventoryMoves[move].to);
    expect(order.snapshot().version).toBe(2);
  });

  it.each(inventoryCases.filter((c) => !c.allowed))('refuse $move from $from', ({ from, move }) => {
    const order = anOrder().withInventory(from).build();
    const before = structuredClone(order.snapshot());
    expect(() => inventoryCalls[move](order)).toThrow(IllegalProgress);
    expect(order.snapshot()).toEqual(before);
  });

  it('keep the reservation id the participant gave', () => {
    const order = anOrder().build();
    order.requestReservation(later);
    order.recordReservation('res-42', later);
    order.requestRelease(later);
    expect(order.inventory).toEqual({ status: 'RELEASING', reservationId: 'res-42' });
  });
});

describe('the order’s payment moves', () => {
  it.each(paymentCases.filter((c) => c.allowed))('allow $move from $from', ({ from, move }) => {
    const order = anOrder().withPayment(from).build();
    paymentCalls[move](order);
    expect(order.payment.status).toBe(paymentMoves[move].to);
  });

  it.each(paymentCases.filter((c) => !c.allowed))('refuse $move from $from', ({ from, move }) => {
    const order = anOrder().withPayment(from).build();
    const before = structuredClone(order.snapshot());
    expect(() => paymentCalls[move](order)).toThrow(IllegalProgress);
    expect(order.snapshot()).toEqual(before);
  });
});

describe('the order’s version', () => {
  it('rises once however many changes one unit of work makes', () => {
    const order = anOrder().inStatus('CONFIRMED').build();
    order.requestCommit(later);
    order.changeStatus({ to: 'SHIPPED', actor: 'service', trackingNumber: 'T-1', now: later });
    expect(order.snapshot().version).toBe(2);
  });

  it('stays 1 for a new order whose saga already asked for the reservation', () => {
    const order = Order.create({
      id: 'order-1',
      customerId: 'c-1',
      items: [{ productId: 'p-1', quantity: 1, unitPriceMinor: 100 }],
      shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
      currency: 'USD',
      createdBy: 'customer',
      now: later,
    });
    order.requestReservation(later);
    expect(order.snapshot().version).toBe(1);
  });

  it('leaves status history to status changes: progress adds no entry', () => {
    const order = anOrder().build();
    order.requestReservation(later);
    order.recordReservation('res-1', later);
    expect(order.snapshot().statusHistory).toHaveLength(1);
    expect(order.pullEvents()).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { StockCommitTimer } from '../../../src/application/ports.js';
import {
  commitAttemptTimeoutMs,
  fulfilmentCommands,
  stockCommitDeadline,
} from '../../../src/application/saga/fulfilment-saga.js';
import { Forbidden, IllegalTransition, OverRefund, OverShipment } from '../../../src/domain/errors.js';
import { fulfilmentOf } from '../../../src/domain/fulfilment.js';
import { Order } from '../../../src/domain/order.js';
import { later } from '../../support/builders.js';

/** A confirmed, paid order of 2 × p-1 at 10.00 and 1 × p-2 at 5.50. */
function confirmedOrder(): Order {
  const order = Order.create({
    id: '0190a000-0000-7000-8000-0000000000aa',
    customerId: 'c-1',
    items: [
      { productId: 'p-1', quantity: 2, unitPriceMinor: 1000 },
      { productId: 'p-2', quantity: 1, unitPriceMinor: 550 },
    ],
    shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
    currency: 'USD',
    createdBy: 'customer',
    now: later,
  });
  order.requestReservation(later);
  order.recordReservation('res-1', later);
  order.requestPayment(later);
  order.recordPayment('txn-1', later);
  order.changeStatus({ to: 'CONFIRMED', actor: 'saga', now: later });
  order.pullEvents();
  return order;
}

const ship = (order: Order, items: { productId: string; quantity: number }[], id = 's-1') =>
  order.ship({ shipmentId: id, items, trackingNumber: `TRK-${id}`, actor: 'service', now: later });

describe('shipping an order in parts', () => {
  it('reaches SHIPPED only with the shipment that leaves nothing to ship', () => {
    const order = confirmedOrder();
    ship(order, [{ productId: 'p-1', quantity: 2 }], 's-1');
    expect(order.status).toBe('CONFIRMED');
    expect(fulfilmentOf(order.snapshot())).toBe('partial');
    ship(order, [{ productId: 'p-2', quantity: 1 }], 's-2');
    expect(order.status).toBe('SHIPPED');
    expect(order.snapshot().trackingNumber).toBe('TRK-s-2');
    expect(fulfilmentOf(order.snapshot())).toBe('shipped');
  });

  it('refuses more of a product than is left to ship, changing nothing', () => {
    const order = confirmedOrder();
    ship(order, [{ productId: 'p-1', quantity: 1 }]);
    const version = order.snapshot().version;
    expect(() => ship(order, [{ productId: 'p-1', quantity: 2 }], 's-2')).toThrow(OverShipment);
    expect(() => ship(order, [{ productId: 'p-9', quantity: 1 }], 's-3')).toThrow(OverShipment);
    expect(order.snapshot().shipments).toHaveLength(1);
    expect(order.snapshot().version).toBe(version);
  });

  it('adds up lines naming one product twice before checking them', () => {
    const order = confirmedOrder();
    expect(() =>
      ship(order, [
        { productId: 'p-1', quantity: 2 },
        { productId: 'p-1', quantity: 1 },
      ]),
    ).toThrow(OverShipment);
  });

  it('ships everything left in one shipment when moved to SHIPPED by status', () => {
    const order = confirmedOrder();
    ship(order, [{ productId: 'p-1', quantity: 1 }]);
    order.changeStatus({
      to: 'SHIPPED',
      actor: 'admin',
      trackingNumber: 'TRK-ALL',
      shipmentId: 's-2',
      now: later,
    });
    const last = order.snapshot().shipments.at(-1);
    expect(last?.items).toEqual([
      { productId: 'p-1', quantity: 1 },
      { productId: 'p-2', quantity: 1 },
    ]);
    expect(last?.trackingNumber).toBe('TRK-ALL');
  });

  it('lets only staff ship, and only a confirmed or processing order', () => {
    const order = confirmedOrder();
    expect(() =>
      order.ship({
        shipmentId: 's',
        items: [{ productId: 'p-1', quantity: 1 }],
        trackingNumber: 'T',
        actor: 'customer',
        now: later,
      }),
    ).toThrow(Forbidden);
    const pending = Order.create({ ...confirmedOrderInput(), now: later });
    expect(() => ship(pending, [{ productId: 'p-1', quantity: 1 }])).toThrow(IllegalTransition);
  });

  it('starts the stock commit of each shipment from its event, with the shipment’s units', () => {
    const order = confirmedOrder();
    ship(order, [{ productId: 'p-1', quantity: 2 }], 's-1');
    const commands = fulfilmentCommands({ clock: () => later, newId: () => 'm-1' })(
      order.snapshot(),
      order.pullEvents(),
      null,
    );
    expect(commands.map((c) => [c.routingKey, c.envelope.payload])).toEqual([
      [
        'inventory.commit',
        { orderId: order.id, shipmentId: 's-1', items: [{ productId: 'p-1', quantity: 2 }] },
      ],
    ]);
  });
});

describe('a shipment’s stock commit that gets no reply in time', () => {
  const policy = { timeoutMs: 1_000, maxAttempts: 3 };
  const deadline = stockCommitDeadline({ clock: () => later, newId: () => 'm-next', stockCommit: policy });
  const timer = (attempt: number): StockCommitTimer => ({
    orderId: '0190a000-0000-7000-8000-0000000000aa',
    shipmentId: 's-1',
    awaitingMessageId: `m-${attempt}`,
    attempt,
    timeoutMs: commitAttemptTimeoutMs(policy, attempt),
    startedAt: later,
    updatedAt: later,
    failedAt: null,
  });
  function shippedOrder(): Order {
    const order = confirmedOrder();
    ship(order, [{ productId: 'p-1', quantity: 2 }], 's-1');
    order.pullEvents();
    return order;
  }

  it('waits twice as long on each attempt, never more than 16 times the first', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((attempt) =>
      commitAttemptTimeoutMs({ timeoutMs: 100, maxAttempts: 7 }, attempt),
    );
    expect(waits).toEqual([100, 200, 400, 800, 1_600, 1_600, 1_600]);
  });

  it('resends the same command under a new message id, with the next attempt’s wait', () => {
    const order = shippedOrder();
    const decision = deadline(order, timer(1), later);
    expect(decision.outcome).toBe('retried');
    expect(decision.commands.map((c) => [c.routingKey, c.envelope.messageId, c.envelope.payload])).toEqual([
      [
        'inventory.commit',
        'm-next',
        { orderId: order.id, shipmentId: 's-1', items: [{ productId: 'p-1', quantity: 2 }] },
      ],
    ]);
    expect(decision.timer).toMatchObject({ awaitingMessageId: 'm-next', attempt: 2, timeoutMs: 2_000 });
    expect(decision.timeline).toMatchObject([{ kind: 'retry', messageType: 'inventory.commit' }]);
    expect(order.snapshot().shipments[0]?.stock).toBe('REQUESTED');
  });

  it('gives up after the last attempt: COMMIT_FAILED, nothing sent, the timer kept as failed', () => {
    const order = shippedOrder();
    const decision = deadline(order, timer(3), later);
    expect(decision.outcome).toBe('failed');
    expect(decision.commands).toEqual([]);
    expect(decision.timer?.failedAt).toEqual(later);
    expect(decision.timeline).toMatchObject([{ kind: 'timeout', messageId: 'm-3' }]);
    expect(order.snapshot().shipments[0]?.stock).toBe('COMMIT_FAILED');
    // A reply that comes after all is still the truth about the stock.
    expect(order.recordStockCommitted('s-1', later)).toBe(true);
    expect(order.snapshot().shipments[0]?.stock).toBe('COMMITTED');
  });

  it('ignores a deadline whose commit was answered in the meantime', () => {
    const order = shippedOrder();
    order.recordStockCommitted('s-1', later);
    const decision = deadline(order, timer(1), later);
    expect(decision).toEqual({ outcome: 'ignored', timer: null, commands: [], timeline: [] });
  });
});

describe('cancelling a partly shipped order', () => {
  it('cancels only what has not shipped: releases it, refunds its price, and the order is SHIPPED', () => {
    const order = confirmedOrder();
    ship(order, [{ productId: 'p-1', quantity: 1 }], 's-1');
    order.pullEvents();
    order.changeStatus({
      to: 'CANCELLED',
      actor: 'customer',
      reason: 'too slow',
      refundId: 'r-1',
      now: later,
    });
    const state = order.snapshot();
    expect(state.status).toBe('SHIPPED');
    expect(state.cancelledItems).toEqual([
      { productId: 'p-1', quantity: 1 },
      { productId: 'p-2', quantity: 1 },
    ]);
    expect(state.refunds).toMatchObject([{ id: 'r-1', amountMinor: 1550, status: 'REQUESTED' }]);
    expect(fulfilmentOf(state)).toBe('shipped');
    const commands = fulfilmentCommands({ clock: () => later, newId: () => 'm' })(
      state,
      order.pullEvents(),
      null,
    );
    expect(commands.map((c) => [c.routingKey, c.envelope.payload])).toEqual([
      [
        'inventory.release',
        {
          orderId: order.id,
          reason: 'too slow',
          items: [
            { productId: 'p-1', quantity: 1 },
            { productId: 'p-2', quantity: 1 },
          ],
        },
      ],
      [
        'payment.refund',
        { orderId: order.id, transactionId: 'txn-1', amountMinor: 1550, currency: 'USD', refundId: 'r-1' },
      ],
    ]);
  });

  it('still lets only those who may cancel do it', () => {
    const order = confirmedOrder();
    ship(order, [{ productId: 'p-1', quantity: 1 }]);
    expect(() => order.changeStatus({ to: 'CANCELLED', actor: 'service', now: later })).toThrow(
      IllegalTransition,
    );
  });
});

function confirmedOrderInput() {
  return {
    id: '0190a000-0000-7000-8000-0000000000bb',
    customerId: 'c-1',
    items: [{ productId: 'p-1', quantity: 1, unitPriceMinor: 100 }],
    shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
    currency: 'USD',
    createdBy: 'customer' as const,
  };
}

describe('refunding an order', () => {
  const refund = (order: Order, amountMinor: number, id = 'r-1') =>
    order.refund({ refundId: id, amountMinor, reason: 'damaged', actor: 'admin', now: later });

  it('refunds up to what was captured, counting refunds still under way', () => {
    const order = confirmedOrder();
    refund(order, 2000, 'r-1');
    expect(() => refund(order, 551, 'r-2')).toThrow(OverRefund);
    refund(order, 550, 'r-2');
    expect(order.snapshot().refunds.map((r) => r.status)).toEqual(['REQUESTED', 'REQUESTED']);
  });

  it('frees a failed refund’s amount and counts only successes as refunded', () => {
    const order = confirmedOrder();
    refund(order, 2550, 'r-1');
    order.settleRefund('r-1', 'FAILED', later);
    refund(order, 1000, 'r-2');
    order.settleRefund('r-2', 'SUCCEEDED', later);
    expect(order.settleRefund('r-2', 'FAILED', later)).toBe(false);
    expect(order.snapshot().refunds.map((r) => r.status)).toEqual(['FAILED', 'SUCCEEDED']);
  });

  it('prices refunded items at their ordered prices, never more units than ordered', () => {
    const order = confirmedOrder();
    expect(
      order.priceOf([
        { productId: 'p-1', quantity: 1 },
        { productId: 'p-2', quantity: 1 },
      ]),
    ).toBe(1550);
    expect(() => order.priceOf([{ productId: 'p-2', quantity: 2 }])).toThrow(OverRefund);
  });

  it('refuses customers and orders whose payment was not captured', () => {
    const order = confirmedOrder();
    expect(() =>
      order.refund({ refundId: 'r', amountMinor: 1, reason: 'x', actor: 'customer', now: later }),
    ).toThrow(Forbidden);
    const unpaid = Order.create({ ...confirmedOrderInput(), now: later });
    expect(() => refund(unpaid, 1)).toThrow(OverRefund);
  });

  it('sends the payment participant the refund with its id and amount', () => {
    const order = confirmedOrder();
    refund(order, 700, 'r-9');
    const commands = fulfilmentCommands({ clock: () => later, newId: () => 'm-1' })(
      order.snapshot(),
      order.pullEvents(),
      null,
    );
    expect(commands.map((c) => [c.routingKey, c.envelope.payload])).toEqual([
      [
        'payment.refund',
        { orderId: order.id, transactionId: 'txn-1', amountMinor: 700, currency: 'USD', refundId: 'r-9' },
      ],
    ]);
  });
});

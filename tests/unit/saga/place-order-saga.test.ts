import { describe, expect, it } from 'vitest';
import { type Reply, type ReplyType, replyTypes } from '../../../src/application/messaging/contract.js';
import type { SagaState } from '../../../src/application/ports.js';
import {
  type Decision,
  placeOrderSaga,
  type SagaInput,
} from '../../../src/application/saga/place-order-saga.js';
import { Order } from '../../../src/domain/order.js';

const t0 = new Date('2026-11-25T10:00:00Z');

/** The pure decision function, driven step by step; the harness keeps the saga row as the runner would. */
function harness() {
  let ids = 0;
  const saga = placeOrderSaga({ clock: () => t0, newId: () => `m-${++ids}` });
  const order = Order.create({
    id: 'order-1',
    customerId: 'c-1',
    items: [{ productId: 'p-1', quantity: 2, unitPriceMinor: 1500 }],
    shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
    currency: 'USD',
    createdBy: 'customer',
    now: t0,
  });
  let state: SagaState | undefined;
  const decisions: Decision[] = [];
  const decide = (input: SagaInput) => {
    const decision = saga.decide(order, state, input);
    decisions.push(decision);
    if (decision.next === 'finished') state = undefined;
    else if (decision.next !== 'unchanged')
      state = {
        orderId: order.id,
        awaitingMessageId: decision.next.awaitingMessageId,
        startedAt: t0,
        updatedAt: t0,
      };
    return decision;
  };
  let replies = 0;
  const reply = (type: ReplyType, payload: Record<string, unknown> = {}): Reply =>
    ({
      messageId: `r-${++replies}`,
      type,
      correlationId: order.id,
      causationId: null,
      occurredAt: t0.toISOString(),
      payload: { orderId: order.id, ...defaults[type], ...payload },
    }) as Reply;
  const on = (type: ReplyType, payload?: Record<string, unknown>) =>
    decide({ kind: 'reply', reply: reply(type, payload) });
  const types = (decision: Decision) => decision.commands.map((command) => command.envelope.type);
  return {
    order,
    decide,
    on,
    types,
    saga: () => state,
    start: () => decide({ kind: 'started' }),
    reserved: () => on('inventory.reserved'),
    paid: () => on('payment.succeeded'),
    timeout: () => decide({ kind: 'timeout', messageId: state?.awaitingMessageId ?? 'none' }),
  };
}

const defaults: Record<ReplyType, Record<string, unknown>> = {
  'inventory.reserved': { reservationId: 'res-1' },
  'inventory.rejected': { reason: 'out of stock', productIds: ['p-1'] },
  'inventory.released': {},
  'inventory.committed': {},
  'payment.succeeded': { transactionId: 'tx-1', amountMinor: 3000, currency: 'USD' },
  'payment.failed': { reason: 'card declined' },
  'payment.refunded': { transactionId: 'tx-1' },
  'payment.refund_failed': { transactionId: 'tx-1', refundId: 'refund-1', reason: 'refused' },
};

describe('the place-order saga: starting', () => {
  it('asks inventory to reserve the order’s items and awaits that command', () => {
    const h = harness();
    const decision = h.start();
    expect(h.types(decision)).toEqual(['inventory.reserve']);
    expect(decision.commands[0]?.envelope.payload).toEqual({
      orderId: 'order-1',
      items: [{ productId: 'p-1', quantity: 2 }],
    });
    expect(decision.next).toEqual({
      step: 'reserveInventory',
      awaitingMessageId: decision.commands[0]?.envelope.messageId,
    });
    expect(h.order.inventory.status).toBe('PENDING');
    expect(decision.timeline.map((entry) => [entry.kind, entry.messageType])).toEqual([
      ['command', 'inventory.reserve'],
    ]);
  });

  it('leaves a new order at version 1 with one history entry', () => {
    const h = harness();
    h.start();
    expect(h.order.snapshot().version).toBe(1);
    expect(h.order.snapshot().statusHistory).toHaveLength(1);
  });
});

describe('the place-order saga while reserving inventory', () => {
  it('asks for payment of the order total once the stock is reserved', () => {
    const h = harness();
    h.start();
    const decision = h.reserved();
    expect(decision.outcome).toBe('applied');
    expect(h.types(decision)).toEqual(['payment.process']);
    expect(decision.commands[0]?.envelope).toMatchObject({
      causationId: 'r-1',
      payload: { amountMinor: 3000, currency: 'USD', customerId: 'c-1' },
    });
    expect(decision.next).toMatchObject({ step: 'processPayment' });
    expect(h.order.inventory).toEqual({ status: 'RESERVED', reservationId: 'res-1' });
    expect(h.order.payment.status).toBe('PENDING');
  });

  it('cancels with an out-of-stock reason when inventory rejects, sending nothing', () => {
    const h = harness();
    h.start();
    const decision = h.on('inventory.rejected');
    expect(decision).toMatchObject({ next: 'finished', commands: [], outcome: 'applied' });
    expect(h.order.status).toBe('CANCELLED');
    expect(h.order.snapshot().cancellationReason).toBe('out of stock: p-1');
    expect(h.order.snapshot().statusHistory.at(-1)).toMatchObject({ changedBy: 'saga', causationId: 'r-1' });
  });

  it.each([
    'payment.succeeded',
    'payment.failed',
    'inventory.released',
    'inventory.committed',
    'payment.refunded',
  ] as const)('ignores %s, which no step at this point asked for an answer to', (type) => {
    const h = harness();
    h.start();
    const before = structuredClone(h.order.snapshot());
    const decision = h.on(type, type === 'payment.succeeded' ? { transactionId: 'tx-stray' } : {});
    if (type === 'payment.succeeded') {
      // A charge nobody asked for is refunded, not ignored.
      expect(h.types(decision)).toEqual(['payment.refund']);
      expect(decision.timeline.map((entry) => entry.kind)).toContain('unrequested_effect');
    } else {
      expect(decision).toMatchObject({ next: 'unchanged', commands: [], outcome: 'ignored' });
    }
    expect(h.order.snapshot()).toEqual(before);
  });

  it('releases the stock it asked for when the step times out, and cancels', () => {
    const h = harness();
    h.start();
    const decision = h.timeout();
    expect(h.types(decision)).toEqual(['inventory.release']);
    expect(decision.next).toBe('finished');
    expect(h.order.status).toBe('CANCELLED');
    expect(h.order.snapshot().cancellationReason).toBe('inventory reservation timed out');
    expect(h.order.inventory.status).toBe('RELEASING');
    expect(decision.timeline.map((entry) => entry.kind)).toEqual(['timeout', 'compensation']);
  });

  it('ignores a timeout for a command it no longer awaits', () => {
    const h = harness();
    h.start();
    const decision = h.decide({ kind: 'timeout', messageId: 'some-older-command' });
    expect(decision).toMatchObject({ next: 'unchanged', commands: [], outcome: 'ignored' });
    expect(h.order.status).toBe('PENDING');
  });

  it('sends nothing to undo when the customer cancels before the reserve command left', () => {
    const h = harness();
    h.start();
    h.order.changeStatus({ to: 'CANCELLED', actor: 'customer', now: t0 });
    const decision = h.decide({ kind: 'cancelled', from: 'PENDING', withdrawn: true });
    expect(decision.commands).toEqual([]);
    expect(h.order.inventory.status).toBe('NOT_STARTED');
    expect(decision.timeline.map((entry) => entry.kind)).toEqual(['withdrawn']);
  });

  it('releases when the customer cancels after the reserve command left', () => {
    const h = harness();
    h.start();
    h.order.changeStatus({ to: 'CANCELLED', actor: 'customer', now: t0 });
    const decision = h.decide({ kind: 'cancelled', from: 'PENDING', withdrawn: false });
    expect(h.types(decision)).toEqual(['inventory.release']);
    expect(decision.next).toBe('finished');
  });
});

describe('the place-order saga while processing the payment', () => {
  const atPayment = () => {
    const h = harness();
    h.start();
    h.reserved();
    return h;
  };

  it('confirms the order when the payment succeeds, naming the reply as the cause', () => {
    const h = atPayment();
    const decision = h.paid();
    expect(decision).toMatchObject({ next: 'finished', commands: [], outcome: 'applied' });
    expect(h.order.status).toBe('CONFIRMED');
    expect(h.order.payment).toEqual({ status: 'SUCCEEDED', transactionId: 'tx-1' });
    expect(h.order.snapshot().statusHistory.at(-1)).toMatchObject({
      status: 'CONFIRMED',
      changedBy: 'saga',
      causationId: 'r-2',
    });
  });

  it('releases the stock and cancels when the payment is declined', () => {
    const h = atPayment();
    const decision = h.on('payment.failed');
    expect(h.types(decision)).toEqual(['inventory.release']);
    expect(decision.next).toBe('finished');
    expect(h.order.status).toBe('CANCELLED');
    expect(h.order.snapshot().cancellationReason).toBe('payment declined: card declined');
    expect(h.order.payment.status).toBe('FAILED');
    expect(h.order.inventory.status).toBe('RELEASING');
  });

  it('ignores a second copy of the same reservation', () => {
    const h = atPayment();
    expect(h.reserved()).toMatchObject({ commands: [], outcome: 'ignored' });
  });

  it('releases a second reservation with a different id, as an effect nobody asked for', () => {
    const h = atPayment();
    const decision = h.on('inventory.reserved', { reservationId: 'res-2' });
    expect(h.types(decision)).toEqual(['inventory.release']);
    expect(decision.commands[0]?.envelope.payload).toMatchObject({ reservationId: 'res-2' });
    expect(decision.outcome).toBe('compensated');
    expect(h.order.inventory).toEqual({ status: 'RESERVED', reservationId: 'res-1' });
  });

  it.each(['inventory.rejected', 'inventory.released', 'inventory.committed', 'payment.refunded'] as const)(
    'ignores %s',
    (type) => {
      const h = atPayment();
      const before = structuredClone(h.order.snapshot());
      expect(h.on(type)).toMatchObject({ next: 'unchanged', commands: [], outcome: 'ignored' });
      expect(h.order.snapshot()).toEqual(before);
    },
  );

  it('releases the stock on a payment timeout; a charge landing afterwards is refunded', () => {
    const h = atPayment();
    expect(h.types(h.timeout())).toEqual(['inventory.release']);
    expect(h.order.snapshot().cancellationReason).toBe('payment timed out');
    const late = h.paid();
    expect(h.types(late)).toEqual(['payment.refund']);
    expect(late.commands[0]?.envelope.payload).toMatchObject({ transactionId: 'tx-1', amountMinor: 3000 });
    expect(h.order.payment).toEqual({ status: 'REFUNDING', transactionId: 'tx-1' });
  });
});

describe('the place-order saga after it ended', () => {
  const confirmed = () => {
    const h = harness();
    h.start();
    h.reserved();
    h.paid();
    return h;
  };

  it('refunds and releases when a confirmed order is cancelled, then records both confirmations', () => {
    const h = confirmed();
    h.order.changeStatus({ to: 'CANCELLED', actor: 'customer', reason: 'changed my mind', now: t0 });
    const decision = h.decide({ kind: 'cancelled', from: 'CONFIRMED', withdrawn: false });
    expect(h.types(decision)).toEqual(['payment.refund', 'inventory.release']);
    expect(h.order.payment.status).toBe('REFUNDING');
    expect(h.on('payment.refunded').outcome).toBe('applied');
    expect(h.on('inventory.released').outcome).toBe('applied');
    expect(h.order.payment.status).toBe('REFUNDED');
    expect(h.order.inventory.status).toBe('RELEASED');
  });

  it('commits the reservation once the shipments’ units are all committed', () => {
    const h = confirmed();
    h.order.changeStatus({
      to: 'SHIPPED',
      actor: 'service',
      trackingNumber: '1Z9',
      shipmentId: 's-1',
      now: t0,
    });
    expect(h.order.inventory.status).toBe('COMMITTING');
    expect(h.on('inventory.committed', { shipmentId: 's-1' }).outcome).toBe('applied');
    expect(h.order.inventory.status).toBe('COMMITTED');
    expect(h.on('inventory.committed', { shipmentId: 's-1' }).outcome).toBe('ignored');
  });

  it('ignores a duplicate of the charge that confirmed the order', () => {
    const h = confirmed();
    expect(h.paid()).toMatchObject({ commands: [], outcome: 'ignored' });
  });

  it('refunds a second charge with a different transaction id', () => {
    const h = confirmed();
    const decision = h.on('payment.succeeded', { transactionId: 'tx-2' });
    expect(h.types(decision)).toEqual(['payment.refund']);
    expect(decision.commands[0]?.envelope.payload).toMatchObject({
      transactionId: 'tx-2',
      amountMinor: 3000,
    });
    expect(decision.timeline.map((entry) => entry.kind)).toEqual([
      'reply',
      'unrequested_effect',
      'compensation',
    ]);
    expect(h.order.payment).toEqual({ status: 'SUCCEEDED', transactionId: 'tx-1' });
  });

  it('asks again to release a reservation that lands after the saga gave up', () => {
    const h = harness();
    h.start();
    h.timeout();
    const late = h.reserved();
    expect(h.types(late)).toEqual(['inventory.release']);
    expect(late.outcome).toBe('compensated');
  });

  it('ignores every failure reply once the order is confirmed', () => {
    for (const type of ['inventory.rejected', 'payment.failed'] as const) {
      const h = confirmed();
      expect(h.on(type)).toMatchObject({ commands: [], outcome: 'ignored' });
      expect(h.order.status).toBe('CONFIRMED');
    }
  });

  it('puts every reply on the timeline with what the saga made of it', () => {
    const h = confirmed();
    const decision = h.on('payment.failed');
    expect(decision.timeline).toEqual([
      {
        at: t0,
        kind: 'reply',
        messageType: 'payment.failed',
        messageId: 'r-3',
        detail: 'ignored: card declined',
      },
    ]);
  });
});

describe('the reply types', () => {
  it('are all covered by these tests', () => {
    expect(Object.keys(defaults).sort()).toEqual([...replyTypes].sort());
  });
});

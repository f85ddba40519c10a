import { describe, expect, it } from 'vitest';
import type { Envelope, Reply } from '../../../src/application/messages.js';
import type { OutboxMessage, SagaState, Transaction } from '../../../src/application/ports.js';
import { placeOrderSaga } from '../../../src/application/saga/place-order-saga.js';
import { Order } from '../../../src/domain/order.js';

/** The saga's decisions, with the transaction's repositories held in memory. */
function harness(options: { now?: Date; stepTimeoutMs?: number } = {}) {
  let clock = options.now ?? new Date('2026-11-25T10:00:00Z');
  let ids = 0;
  const saga = placeOrderSaga({
    clock: () => clock,
    newId: () => `m-${++ids}`,
    stepTimeoutMs: options.stepTimeoutMs ?? 30_000,
  });
  const sent: OutboxMessage[] = [];
  const sagas = new Map<string, SagaState>();
  const tx = {
    orders: { update: async () => {} },
    outbox: { add: async (messages: readonly OutboxMessage[]) => void sent.push(...messages) },
    sagas: {
      insert: async (state: SagaState) => void sagas.set(state.orderId, state),
      find: async (orderId: string) => sagas.get(orderId),
      update: async (state: SagaState) => void sagas.set(state.orderId, state),
      claimTimedOut: async () => [],
    },
  } as unknown as Transaction;
  const order = Order.create({
    id: 'order-1',
    customerId: 'c-1',
    items: [{ productId: 'p-1', quantity: 2, unitPriceMinor: 1500 }],
    shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
    currency: 'USD',
    now: clock,
  });
  let replies = 0;
  const reply = <T extends Reply['type']>(type: T, payload: Extract<Reply, { type: T }>['payload']): Reply =>
    ({
      messageId: `r-${++replies}`,
      type,
      correlationId: order.id,
      causationId: null,
      occurredAt: clock.toISOString(),
      payload,
    }) as Envelope as Reply;
  const sentTypes = () => sent.map((message) => message.envelope.type);
  return {
    saga,
    tx,
    order,
    sent,
    sentTypes,
    reply,
    sagaOf: () => sagas.get(order.id),
    advance: (ms: number) => {
      clock = new Date(clock.getTime() + ms);
    },
    async start() {
      await saga.start(tx, order);
    },
    async reserved() {
      return saga.applyReply(
        tx,
        order,
        reply('inventory.reserved', { orderId: order.id, reservationId: 'res-1' }),
      );
    },
    async paid() {
      return saga.applyReply(
        tx,
        order,
        reply('payment.succeeded', {
          orderId: order.id,
          transactionId: 'tx-1',
          amountMinor: 3000,
          currency: 'USD',
        }),
      );
    },
  };
}

describe('the place-order saga', () => {
  it('starts by asking inventory to reserve the order’s items', async () => {
    const h = harness();
    await h.start();
    expect(h.sentTypes()).toEqual(['inventory.reserve']);
    expect(h.sent[0]?.envelope.payload).toEqual({
      orderId: 'order-1',
      items: [{ productId: 'p-1', quantity: 2 }],
    });
    expect(h.sagaOf()?.step).toBe('RESERVING_INVENTORY');
    expect(h.order.snapshot().inventory.status).toBe('PENDING');
  });

  it('asks for payment of the order total once the stock is reserved', async () => {
    const h = harness();
    await h.start();
    expect(await h.reserved()).toBe('applied');
    expect(h.sentTypes()).toEqual(['inventory.reserve', 'payment.process']);
    expect(h.sent[1]?.envelope.payload).toMatchObject({
      amountMinor: 3000,
      currency: 'USD',
      customerId: 'c-1',
    });
    expect(h.sent[1]?.envelope.causationId).toBe('r-1');
    expect(h.sagaOf()?.step).toBe('PROCESSING_PAYMENT');
  });

  it('confirms the order when the payment succeeds', async () => {
    const h = harness();
    await h.start();
    await h.reserved();
    expect(await h.paid()).toBe('applied');
    expect(h.order.status).toBe('CONFIRMED');
    expect(h.order.snapshot().payment).toEqual({ status: 'SUCCEEDED', transactionId: 'tx-1' });
    expect(h.sagaOf()).toMatchObject({ step: 'COMPLETED', deadlineAt: null });
  });

  it('cancels the order with an out-of-stock reason when inventory rejects it', async () => {
    const h = harness();
    await h.start();
    await h.saga.applyReply(
      h.tx,
      h.order,
      h.reply('inventory.rejected', {
        orderId: 'order-1',
        reason: 'insufficient stock',
        productIds: ['p-1'],
      }),
    );
    expect(h.order.status).toBe('CANCELLED');
    expect(h.order.snapshot().cancellationReason).toBe('out of stock: p-1');
    expect(h.sentTypes()).toEqual(['inventory.reserve']);
  });

  it('releases the stock and cancels when the payment is declined', async () => {
    const h = harness();
    await h.start();
    await h.reserved();
    await h.saga.applyReply(
      h.tx,
      h.order,
      h.reply('payment.failed', { orderId: 'order-1', reason: 'card declined' }),
    );
    expect(h.sentTypes()).toEqual(['inventory.reserve', 'payment.process', 'inventory.release']);
    expect(h.order.status).toBe('CANCELLED');
    expect(h.order.snapshot().cancellationReason).toBe('payment declined: card declined');
    expect(h.order.snapshot().inventory.status).toBe('RELEASED');
  });

  it('compensates a payment step that missed its deadline by releasing the stock', async () => {
    const h = harness({ stepTimeoutMs: 1000 });
    await h.start();
    await h.reserved();
    h.advance(999);
    expect(await h.saga.applyTimeout(h.tx, h.order)).toBe(false);
    h.advance(1);
    expect(await h.saga.applyTimeout(h.tx, h.order)).toBe(true);
    expect(h.order.status).toBe('CANCELLED');
    expect(h.order.snapshot().cancellationReason).toBe('payment timed out');
    expect(h.sentTypes().at(-1)).toBe('inventory.release');
  });

  it('refunds a payment that succeeds after its step timed out', async () => {
    const h = harness({ stepTimeoutMs: 1000 });
    await h.start();
    await h.reserved();
    h.advance(1000);
    await h.saga.applyTimeout(h.tx, h.order);
    expect(await h.paid()).toBe('compensated');
    expect(h.order.status).toBe('CANCELLED');
    expect(h.sentTypes().at(-1)).toBe('payment.refund');
    expect(h.sent.at(-1)?.envelope.payload).toMatchObject({ transactionId: 'tx-1', amountMinor: 3000 });
  });

  it('releases a reservation that arrives after its step timed out', async () => {
    const h = harness({ stepTimeoutMs: 1000 });
    await h.start();
    h.advance(1000);
    await h.saga.applyTimeout(h.tx, h.order);
    expect(h.sentTypes()).toEqual(['inventory.reserve', 'inventory.release']);
    expect(await h.reserved()).toBe('compensated');
    expect(h.sentTypes()).toEqual(['inventory.reserve', 'inventory.release', 'inventory.release']);
  });

  it('ignores a second reservation reply once payment is under way', async () => {
    const h = harness();
    await h.start();
    await h.reserved();
    expect(await h.reserved()).toBe('ignored');
    expect(h.sentTypes()).toEqual(['inventory.reserve', 'payment.process']);
  });

  it('ignores a payment reply that arrives before the stock is reserved', async () => {
    const h = harness();
    await h.start();
    expect(await h.paid()).toBe('ignored');
    expect(h.order.status).toBe('PENDING');
  });

  it('refunds and releases when a confirmed order is cancelled', async () => {
    const h = harness();
    await h.start();
    await h.reserved();
    await h.paid();
    h.order.changeStatus({ to: 'CANCELLED', actor: 'customer', reason: 'changed my mind', now: new Date() });
    await h.saga.onStatusChanged(h.tx, h.order, 'CONFIRMED');
    expect(h.sentTypes().slice(-2)).toEqual(['payment.refund', 'inventory.release']);
    expect(h.order.snapshot().payment.status).toBe('REFUNDED');
  });

  it('stops the saga when the customer cancels a pending order, releasing whatever is reserved', async () => {
    const h = harness();
    await h.start();
    h.order.changeStatus({ to: 'CANCELLED', actor: 'customer', now: new Date() });
    await h.saga.onStatusChanged(h.tx, h.order, 'PENDING');
    expect(h.sentTypes()).toEqual(['inventory.reserve', 'inventory.release']);
    expect(h.sagaOf()).toMatchObject({ step: 'CANCELLED', deadlineAt: null });
  });

  it('records every step in the status history', async () => {
    const h = harness();
    await h.start();
    await h.reserved();
    await h.paid();
    expect(
      h.order.snapshot().statusHistory.map((change) => `${change.status}: ${change.reason ?? ''}`),
    ).toEqual([
      'PENDING: ',
      'PENDING: inventory reservation requested',
      'PENDING: inventory reserved',
      'PENDING: payment requested',
      'PENDING: payment succeeded (tx-1)',
      'CONFIRMED: stock reserved and payment taken',
    ]);
  });
});

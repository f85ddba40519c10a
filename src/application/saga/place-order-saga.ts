import type { SagaCancellation } from '../../domain/cancellation.js';
import type { Order } from '../../domain/order.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { type CommandPayloads, type CommandType, type Envelope, type Reply, topology } from '../messages.js';
import type { Clock, IdGenerator, OutboxMessage, SagaState, SagaStep, Transaction } from '../ports.js';

export interface PlaceOrderSagaDeps {
  clock: Clock;
  newId: IdGenerator;
  stepTimeoutMs: number;
}

export type ReplyOutcome = 'applied' | 'ignored' | 'compensated' | 'unknown-order';

/**
 * The place-order saga, orchestrated by this service:
 *
 *   PENDING → reserve inventory → process payment → CONFIRMED
 *
 * Out of stock cancels the order; a declined payment releases the stock, then cancels; a step
 * that misses its deadline is compensated the same way. Cancelling a paid order refunds and
 * releases; shipments and refunds after confirmation are fulfilment-saga.ts steps, whose replies land here. A success that arrives after the saga gave up
 * (a late reply) is undone at once, so no stock stays held and no payment stays taken.
 *
 * Everything here runs inside the caller's transaction, with the order's row lock held; the
 * commands it sends are outbox rows that commit with the state change.
 */
export function placeOrderSaga(deps: PlaceOrderSagaDeps) {
  const now = () => deps.clock();
  const deadline = () => new Date(now().getTime() + deps.stepTimeoutMs);

  function command<K extends CommandType>(
    type: K,
    order: Order,
    payload: CommandPayloads[K],
    causationId: string | null,
  ): OutboxMessage {
    return {
      exchange: topology.commandsExchange,
      routingKey: type,
      envelope: {
        messageId: deps.newId(),
        type,
        correlationId: order.id,
        causationId,
        occurredAt: now().toISOString(),
        payload,
      },
    };
  }

  /** Each step beside its undo; an undo with nothing to undo sends nothing. */
  const steps = {
    reserveInventory: {
      invoke: (order: Order, cause: string | null) => {
        const { items } = order.snapshot();
        order.setInventory(
          { status: 'PENDING', reservationId: null },
          'inventory reservation requested',
          now(),
        );
        return command(
          'inventory.reserve',
          order,
          { orderId: order.id, items: items.map(({ productId, quantity }) => ({ productId, quantity })) },
          cause,
        );
      },
      compensate: (order: Order, reason: string, cause: string | null) => {
        const { inventory } = order.snapshot();
        if (!['PENDING', 'RESERVED'].includes(inventory.status)) return [];
        order.setInventory(
          { ...inventory, status: 'RELEASED' },
          `inventory release requested: ${reason}`,
          now(),
        );
        return [command('inventory.release', order, { orderId: order.id, reason }, cause)];
      },
    },
    processPayment: {
      invoke: (order: Order, cause: string | null) => {
        const { customerId, totalMinor, currency } = order.snapshot();
        order.setPayment({ status: 'PENDING', transactionId: null }, 'payment requested', now());
        return command(
          'payment.process',
          order,
          { orderId: order.id, customerId, amountMinor: totalMinor, currency },
          cause,
        );
      },
      compensate: (order: Order, reason: string, cause: string | null) => {
        const { payment, totalMinor, currency } = order.snapshot();
        if (payment.status !== 'SUCCEEDED' || !payment.transactionId) return [];
        order.setPayment({ ...payment, status: 'REFUNDED' }, `refund requested: ${reason}`, now());
        return [
          command(
            'payment.refund',
            order,
            { orderId: order.id, transactionId: payment.transactionId, amountMinor: totalMinor, currency },
            cause,
          ),
        ];
      },
    },
  };

  /** Undo everything done so far, newest first. */
  const compensateAll = (order: Order, reason: string, cause: string | null) => [
    ...steps.processPayment.compensate(order, reason, cause),
    ...steps.reserveInventory.compensate(order, reason, cause),
  ];

  async function moveTo(tx: Transaction, saga: SagaState, step: SagaStep): Promise<void> {
    const active = step === 'RESERVING_INVENTORY' || step === 'PROCESSING_PAYMENT';
    await tx.sagas.update({ ...saga, step, deadlineAt: active ? deadline() : null, updatedAt: now() });
  }

  function cancel(order: Order, category: SagaCancellation, reason: string): void {
    order.changeStatus({ to: 'CANCELLED', actor: 'saga', reason, category, now: now() });
  }

  /** Decides what a reply means for this order and saga; returns the commands to send. */
  function decide(
    order: Order,
    saga: SagaState,
    reply: Reply,
  ): { outcome: ReplyOutcome; next?: SagaStep; send: OutboxMessage[] } {
    const cause = reply.messageId;
    const pending = order.status === 'PENDING';
    const state = order.snapshot();
    switch (reply.type) {
      case 'inventory.reserved': {
        if (saga.step === 'RESERVING_INVENTORY' && pending) {
          order.setInventory(
            { status: 'RESERVED', reservationId: reply.payload.reservationId },
            'inventory reserved',
            now(),
          );
          return {
            outcome: 'applied',
            next: 'PROCESSING_PAYMENT',
            send: [steps.processPayment.invoke(order, cause)],
          };
        }
        if (order.status === 'CANCELLED' && state.inventory.status !== 'RELEASED') {
          order.setInventory(
            { status: 'RESERVED', reservationId: reply.payload.reservationId },
            'late reservation',
            now(),
          );
          return {
            outcome: 'compensated',
            send: steps.reserveInventory.compensate(order, 'order already cancelled', cause),
          };
        }
        if (order.status === 'CANCELLED') {
          // Released when the step timed out; the release may have overtaken this reservation, so send it again.
          order.recordStep('late reservation; release sent again', now());
          return {
            outcome: 'compensated',
            send: [
              command('inventory.release', order, { orderId: order.id, reason: 'late reservation' }, cause),
            ],
          };
        }
        return { outcome: 'ignored', send: [] };
      }
      case 'inventory.rejected': {
        if (saga.step !== 'RESERVING_INVENTORY' || !pending) return { outcome: 'ignored', send: [] };
        order.setInventory({ status: 'REJECTED', reservationId: null }, 'inventory rejected', now());
        cancel(
          order,
          'out_of_stock',
          `out of stock: ${reply.payload.productIds.join(', ') || reply.payload.reason}`,
        );
        return { outcome: 'applied', next: 'CANCELLED', send: [] };
      }
      case 'payment.succeeded': {
        const paid = { status: 'SUCCEEDED' as const, transactionId: reply.payload.transactionId };
        if (saga.step === 'PROCESSING_PAYMENT' && pending) {
          order.setPayment(paid, `payment succeeded (${reply.payload.transactionId})`, now());
          order.changeStatus({
            to: 'CONFIRMED',
            actor: 'saga',
            reason: 'stock reserved and payment taken',
            now: now(),
          });
          return { outcome: 'applied', next: 'COMPLETED', send: [] };
        }
        if (order.status === 'CANCELLED' && state.payment.status !== 'REFUNDED') {
          order.setPayment(paid, `late payment (${reply.payload.transactionId})`, now());
          return {
            outcome: 'compensated',
            send: steps.processPayment.compensate(order, 'order already cancelled', cause),
          };
        }
        return { outcome: 'ignored', send: [] };
      }
      case 'payment.failed': {
        if (saga.step !== 'PROCESSING_PAYMENT' || !pending) return { outcome: 'ignored', send: [] };
        order.setPayment(
          { status: 'FAILED', transactionId: null },
          `payment failed: ${reply.payload.reason}`,
          now(),
        );
        const send = steps.reserveInventory.compensate(order, 'payment failed', cause);
        cancel(order, 'payment_declined', `payment declined: ${reply.payload.reason}`);
        return { outcome: 'applied', next: 'CANCELLED', send };
      }
      case 'inventory.released':
        // Compensations set their status when sent; their confirmations only add to the history.
        order.recordStep('inventory released', now());
        return { outcome: 'applied', send: [] };
      case 'inventory.committed':
        if (reply.payload.shipmentId) {
          const committed = order.recordStockCommitted(reply.payload.shipmentId, now());
          return { outcome: committed ? 'applied' : 'ignored', send: [] };
        }
        order.setInventory({ ...state.inventory, status: 'COMMITTED' }, 'inventory committed', now());
        return { outcome: 'applied', send: [] };
      case 'payment.refunded':
        if (reply.payload.refundId) {
          const settled = order.settleRefund(reply.payload.refundId, 'SUCCEEDED', now());
          return { outcome: settled ? 'applied' : 'ignored', send: [] };
        }
        order.recordStep(`refund completed (${reply.payload.transactionId})`, now());
        return { outcome: 'applied', send: [] };
      case 'payment.refund_failed': {
        const settled = order.settleRefund(reply.payload.refundId, 'FAILED', now());
        return { outcome: settled ? 'applied' : 'ignored', send: [] };
      }
    }
  }

  return {
    /** Step one, in the transaction that creates the order. */
    async start(tx: Transaction, order: Order): Promise<void> {
      const started = now();
      await tx.sagas.insert({
        orderId: order.id,
        step: 'RESERVING_INVENTORY',
        deadlineAt: deadline(),
        startedAt: started,
        updatedAt: started,
      });
      await tx.outbox.add([steps.reserveInventory.invoke(order, null)]);
    },

    /** A customer, admin or fulfilment changed the status: undo or finish what the saga did. */
    async onStatusChanged(tx: Transaction, order: Order, from: OrderStatus): Promise<void> {
      if (order.status === 'CANCELLED') {
        await tx.outbox.add(compensateAll(order, `order cancelled (was ${from})`, null));
        const saga = await tx.sagas.find(order.id);
        if (saga && saga.step !== 'COMPLETED' && saga.step !== 'CANCELLED')
          await moveTo(tx, saga, 'CANCELLED');
      }
    },

    /** Applies a participant's reply once; the caller holds the order's lock (see handleReply in saga-replies). */
    async applyReply(tx: Transaction, order: Order, reply: Reply): Promise<ReplyOutcome> {
      const saga = await tx.sagas.find(order.id);
      if (!saga) return 'unknown-order';
      const decision = decide(order, saga, reply);
      await tx.outbox.add(decision.send);
      if (decision.next) await moveTo(tx, saga, decision.next);
      await tx.orders.update(order);
      return decision.outcome;
    },

    /** A step missed its deadline: compensate as if it had failed. */
    async applyTimeout(tx: Transaction, order: Order): Promise<boolean> {
      const saga = await tx.sagas.find(order.id);
      if (!saga?.deadlineAt || saga.deadlineAt > now()) return false;
      const step = saga.step === 'RESERVING_INVENTORY' ? 'inventory reservation' : 'payment';
      if (order.status === 'PENDING') {
        const send = compensateAll(order, `${step} timed out`, null);
        cancel(order, 'timed_out', `${step} timed out`);
        await tx.outbox.add(send);
      }
      await moveTo(tx, saga, 'CANCELLED');
      await tx.orders.update(order);
      return true;
    },
  };
}

export type PlaceOrderSaga = ReturnType<typeof placeOrderSaga>;

export function isReply(envelope: Envelope): envelope is Reply {
  return (
    [
      'inventory.reserved',
      'inventory.rejected',
      'inventory.released',
      'inventory.committed',
      'payment.succeeded',
      'payment.failed',
      'payment.refunded',
      'payment.refund_failed',
    ] as string[]
  ).includes(envelope.type);
}

import type { SagaCancellation } from '../../domain/cancellation.js';
import type { Order } from '../../domain/order.js';
import { canMoveInventory } from '../../domain/order-progress.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { claimedMinor } from '../../domain/refunds.js';
import {
  type CommandPayloads,
  type CommandType,
  orderMessage,
  type Reply,
  type ReplyType,
  type RoutedMessage,
  topology,
} from '../messaging/contract.js';
import type { Clock, IdGenerator, SagaState, TimelineEntry, TimelineKind } from '../ports.js';

/**
 * The place-order saga, orchestrated by this service:
 *
 *   PENDING → reserve inventory → process payment → CONFIRMED
 *
 * Each step below sits beside its undo. A step's failure reply cancels the order after undoing
 * the steps before it; a step that misses its deadline (counted from when the broker took its
 * command) is undone the same way. A success nobody asked for any more (a late reply after the
 * saga gave up) or at all (a second reservation or charge) is undone at once.
 *
 * `decide` is pure: it changes the order only through its guarded methods and returns what to
 * send and what to note on the timeline; the saga runner persists all of it in one transaction.
 */

export type SagaInput =
  /** The order was just created (its `order.created` event). */
  | { kind: 'started' }
  | { kind: 'reply'; reply: Reply }
  /** The awaited command's deadline passed (the sweeper saw it sent that long ago). */
  | { kind: 'timeout'; messageId: string }
  /** Someone else cancelled the order; `withdrawn` when the awaited command never left the outbox. */
  | { kind: 'cancelled'; from: OrderStatus; withdrawn: boolean };

export type ReplyOutcome = 'applied' | 'ignored' | 'compensated';

export interface Decision {
  /** The command whose reply the saga awaits next, `finished` when it awaits nothing, or `unchanged`. */
  next: { step: StepName; awaitingMessageId: string } | 'finished' | 'unchanged';
  commands: RoutedMessage[];
  timeline: TimelineEntry[];
  outcome: ReplyOutcome;
  /** A participant did what nobody asked (a second reservation or charge); this decision undoes it. */
  unrequested?: { effect: 'reservation' | 'charge'; id: string };
}

export interface PlaceOrderSagaDeps {
  clock: Clock;
  newId: IdGenerator;
}

type StepName = 'reserveInventory' | 'processPayment';

/** What a reply means for its step: go on to the next step, or stop and cancel with a reason. */
type StepResult = 'next' | Cancellation;

/** Why the saga gives up: the reason for the history and its group for analytics. */
interface Cancellation {
  cancel: string;
  category: SagaCancellation;
}

interface Context {
  now: Date;
  command<K extends CommandType>(type: K, order: Order, payload: CommandPayloads[K]): RoutedMessage;
}

type ReplyHandlers = {
  [K in ReplyType]?: (order: Order, reply: Extract<Reply, { type: K }>, ctx: Context) => StepResult;
};

interface Step {
  name: StepName;
  /** How a timeout names the step: "inventory reservation timed out". */
  label: string;
  /** This step's command is out and its reply not in (whatever the order's status). */
  isAwaited(order: Order): boolean;
  invoke(order: Order, ctx: Context): RoutedMessage;
  replies: ReplyHandlers;
  /** The step's command never left the outbox: forget it was asked. */
  withdraw(order: Order, ctx: Context): void;
  /** Undoes what the step did; nothing to undo sends nothing. */
  compensate(order: Order, reason: string, ctx: Context): RoutedMessage[];
}

/** Reserve the order's items; undo: release them (also a reservation still on its way). */
const reserveInventory: Step = {
  name: 'reserveInventory',
  label: 'inventory reservation',
  isAwaited: (order) => order.inventory.status === 'PENDING',
  invoke(order, ctx) {
    order.requestReservation(ctx.now);
    const items = order.snapshot().items.map(({ productId, quantity }) => ({ productId, quantity }));
    return ctx.command('inventory.reserve', order, { orderId: order.id, items });
  },
  replies: {
    'inventory.reserved': (order, reply, ctx) => {
      order.recordReservation(reply.payload.reservationId, ctx.now);
      return 'next';
    },
    'inventory.rejected': (order, reply, ctx) => {
      order.recordStockRejection(ctx.now);
      return {
        cancel: `out of stock: ${reply.payload.productIds.join(', ') || reply.payload.reason}`,
        category: 'out_of_stock',
      };
    },
  },
  withdraw: (order, ctx) => order.withdrawReservation(ctx.now),
  compensate(order, reason, ctx) {
    if (!canMoveInventory(order.inventory.status, 'requestRelease')) return [];
    order.requestRelease(ctx.now);
    return [ctx.command('inventory.release', order, { orderId: order.id, reason })];
  },
};

/** Charge the order's total; undo: refund the charge. */
const processPayment: Step = {
  name: 'processPayment',
  label: 'payment',
  isAwaited: (order) => order.payment.status === 'PENDING',
  invoke(order, ctx) {
    order.requestPayment(ctx.now);
    const { customerId, totalMinor, currency } = order.snapshot();
    return ctx.command('payment.process', order, {
      orderId: order.id,
      customerId,
      amountMinor: totalMinor,
      currency,
    });
  },
  replies: {
    'payment.succeeded': (order, reply, ctx) => {
      order.recordPayment(reply.payload.transactionId, ctx.now);
      return 'next';
    },
    'payment.failed': (order, reply, ctx) => {
      order.recordPaymentFailure(ctx.now);
      return { cancel: `payment declined: ${reply.payload.reason}`, category: 'payment_declined' };
    },
  },
  withdraw: (order, ctx) => order.withdrawPayment(ctx.now),
  compensate(order, _reason, ctx) {
    const { payment, totalMinor, currency, refunds } = order.snapshot();
    if (payment.status !== 'SUCCEEDED' || !payment.transactionId) return [];
    order.requestRefund(ctx.now);
    return [
      ctx.command('payment.refund', order, {
        orderId: order.id,
        transactionId: payment.transactionId,
        // What partial refunds (POST /refunds) have not already given back or are giving back.
        amountMinor: totalMinor - claimedMinor(refunds),
        currency,
      }),
    ];
  },
};

/** The saga, in order. After the last step the order is CONFIRMED. */
const steps: readonly Step[] = [reserveInventory, processPayment];

export function placeOrderSaga(deps: PlaceOrderSagaDeps) {
  function context(now: Date, cause: string | null): Context {
    return {
      now,
      command: (type, order, payload) =>
        orderMessage(topology.commandsExchange, type, order.id, payload, {
          messageId: deps.newId(),
          causationId: cause,
          occurredAt: now,
        }),
    };
  }

  return {
    /**
     * What `input` means for this order and saga: pure apart from the order's own guarded changes.
     * `now` defaults to the clock; a reaction to a domain event passes the event's time, so a new
     * order and the saga's first step share one instant.
     */
    decide(order: Order, saga: SagaState | undefined, input: SagaInput, now: Date = deps.clock()): Decision {
      const cause = input.kind === 'reply' ? input.reply.messageId : null;
      const ctx = context(now, cause);
      const log = new TimelineLog(now);
      if (input.kind === 'reply') log.reply(input.reply);
      const choice = decideInput(order, saga, input, ctx, log);
      if (input.kind === 'reply') log.outcome(choice.outcome);
      return { ...choice, timeline: log.entries };
    },
  };
}

export type PlaceOrderSaga = ReturnType<typeof placeOrderSaga>;

/** A decision before its timeline entries are attached. */
type Choice = Omit<Decision, 'timeline'>;

function decideInput(
  order: Order,
  saga: SagaState | undefined,
  input: SagaInput,
  ctx: Context,
  log: TimelineLog,
): Choice {
  const awaited = steps.find((step) => step.isAwaited(order));
  // Only a PENDING order moves forward; a cancelled one may still await a late reply.
  const current = order.status === 'PENDING' ? awaited : undefined;
  switch (input.kind) {
    case 'started': {
      const first = steps[0] as Step;
      const command = first.invoke(order, ctx);
      log.commands('command', [command]);
      return {
        next: { step: first.name, awaitingMessageId: command.envelope.messageId },
        commands: [command],
        outcome: 'applied',
      };
    }
    case 'reply': {
      const handler = current?.replies[input.reply.type] as
        | ((order: Order, reply: Reply, ctx: Context) => StepResult)
        | undefined;
      if (current && handler) {
        return advance(order, current, handler(order, input.reply, ctx), input.reply, ctx, log);
      }
      return afterTheFact(order, input.reply, ctx, log);
    }
    case 'timeout': {
      // A reply moved the saga on between the sweeper's claim and this decision.
      if (saga?.awaitingMessageId !== input.messageId) return unchanged('ignored');
      if (!current) return { next: 'finished', commands: [], outcome: 'ignored' };
      const reason = `${current.label} timed out`;
      log.note('timeout', reason);
      return cancel(order, { cancel: reason, category: 'timed_out' }, ctx, log);
    }
    case 'cancelled': {
      if (awaited && input.withdrawn) {
        awaited.withdraw(order, ctx);
        log.note('withdrawn', `${awaited.label} command withdrawn before it was sent`);
      }
      const commands = compensateAll(order, `order cancelled (was ${input.from})`, ctx, log);
      return { next: 'finished', commands, outcome: 'compensated' };
    }
  }
}

/** The current step's reply was applied: go on to the next step, confirm, or cancel. */
function advance(
  order: Order,
  step: Step,
  result: StepResult,
  reply: Reply,
  ctx: Context,
  log: TimelineLog,
): Choice {
  if (result !== 'next') {
    const decision = cancel(order, result, ctx, log, reply.messageId);
    return { ...decision, outcome: 'applied' };
  }
  const following = steps[steps.indexOf(step) + 1];
  if (following) {
    const command = following.invoke(order, ctx);
    log.commands('command', [command]);
    return {
      next: { step: following.name, awaitingMessageId: command.envelope.messageId },
      commands: [command],
      outcome: 'applied',
    };
  }
  order.changeStatus({
    to: 'CONFIRMED',
    actor: 'saga',
    reason: 'stock reserved and payment taken',
    causationId: reply.messageId,
    now: ctx.now,
  });
  return { next: 'finished', commands: [], outcome: 'applied' };
}

/** Undo every step done so far, newest first, then cancel the order. */
function cancel(
  order: Order,
  why: Cancellation,
  ctx: Context,
  log: TimelineLog,
  causationId: string | null = null,
): Choice {
  const reason = why.cancel;
  const commands = compensateAll(order, reason, ctx, log);
  order.changeStatus({
    to: 'CANCELLED',
    actor: 'saga',
    reason,
    category: why.category,
    causationId,
    now: ctx.now,
  });
  return { next: 'finished', commands, outcome: 'compensated' };
}

function compensateAll(order: Order, reason: string, ctx: Context, log: TimelineLog): RoutedMessage[] {
  const commands = [...steps].reverse().flatMap((step) => step.compensate(order, reason, ctx));
  log.commands('compensation', commands);
  return commands;
}

/**
 * A reply for no step the saga is at: confirmations of compensations, duplicates, late successes
 * after the saga gave up, and successes it never asked for. Every success not wanted is undone.
 */
function afterTheFact(order: Order, reply: Reply, ctx: Context, log: TimelineLog): Choice {
  const { inventory, payment } = order.snapshot();
  switch (reply.type) {
    case 'inventory.released':
      if (inventory.status !== 'RELEASING') return unchanged('ignored');
      order.recordRelease(ctx.now);
      return unchanged('applied');
    case 'inventory.committed':
      // A shipment's units (fulfilment-saga.ts); the reservation as a whole follows from them.
      if (reply.payload.shipmentId)
        return unchanged(
          order.recordStockCommitted(reply.payload.shipmentId, ctx.now) ? 'applied' : 'ignored',
        );
      if (inventory.status !== 'COMMITTING') return unchanged('ignored');
      order.recordCommit(ctx.now);
      return unchanged('applied');
    case 'payment.refunded':
      if (reply.payload.refundId)
        return unchanged(
          order.settleRefund(reply.payload.refundId, 'SUCCEEDED', ctx.now) ? 'applied' : 'ignored',
        );
      if (payment.status !== 'REFUNDING' || payment.transactionId !== reply.payload.transactionId)
        return unchanged('ignored');
      order.recordRefund(ctx.now);
      return unchanged('applied');
    case 'inventory.reserved': {
      const { reservationId } = reply.payload;
      if (reservationId === inventory.reservationId) return unchanged('ignored');
      if (inventory.reservationId === null && ['RELEASING', 'RELEASED'].includes(inventory.status)) {
        // The reservation the saga asked for, landing after it gave up: its release may have
        // overtaken it at the participant, so ask again (releasing is idempotent).
        return undo(
          log,
          [ctx.command('inventory.release', order, { orderId: order.id, reason: 'late reservation' })],
          'compensation',
        );
      }
      log.note('unrequested_effect', `reservation ${reservationId} not requested; releasing it`);
      const release = ctx.command('inventory.release', order, {
        orderId: order.id,
        reason: 'unrequested reservation',
        reservationId,
      });
      return {
        ...undo(log, [release], 'compensation'),
        unrequested: { effect: 'reservation', id: reservationId },
      };
    }
    case 'payment.succeeded': {
      const { transactionId, amountMinor } = reply.payload;
      if (transactionId === payment.transactionId) return unchanged('ignored');
      if (payment.status === 'PENDING') {
        // The charge the saga asked for, landing after it gave up: take note, then refund it.
        order.recordPayment(transactionId, ctx.now);
        const commands = processPayment.compensate(order, 'late payment', ctx);
        return undo(log, commands, 'compensation');
      }
      log.note('unrequested_effect', `charge ${transactionId} not requested; refunding it`);
      const refund = ctx.command('payment.refund', order, {
        orderId: order.id,
        transactionId,
        amountMinor,
        currency: reply.payload.currency,
      });
      return { ...undo(log, [refund], 'compensation'), unrequested: { effect: 'charge', id: transactionId } };
    }
    case 'payment.refund_failed':
      return unchanged(order.settleRefund(reply.payload.refundId, 'FAILED', ctx.now) ? 'applied' : 'ignored');
    case 'inventory.rejected':
    case 'payment.failed':
      return unchanged('ignored');
  }
}

function undo(log: TimelineLog, commands: RoutedMessage[], kind: TimelineKind): Choice {
  log.commands(kind, commands);
  return { next: 'unchanged', commands, outcome: 'compensated' };
}

function unchanged(outcome: ReplyOutcome): Choice {
  return { next: 'unchanged', commands: [], outcome };
}

/** Collects the timeline entries of one decision. */
class TimelineLog {
  readonly entries: TimelineEntry[] = [];
  constructor(private readonly now: Date) {}

  reply(reply: Reply): void {
    this.entries.push({
      at: this.now,
      kind: 'reply',
      messageType: reply.type,
      messageId: reply.messageId,
      detail: replyDetail(reply),
    });
  }

  /** Notes on the reply's entry what the saga made of it. */
  outcome(outcome: ReplyOutcome): void {
    const entry = this.entries[0];
    if (entry) entry.detail = entry.detail ? `${outcome}: ${entry.detail}` : outcome;
  }

  commands(kind: TimelineKind, commands: readonly RoutedMessage[]): void {
    for (const { envelope } of commands) {
      const payload = envelope.payload as { reason?: string };
      this.entries.push({
        at: this.now,
        kind,
        messageType: envelope.type,
        messageId: envelope.messageId,
        detail: payload.reason ?? null,
      });
    }
  }

  note(kind: TimelineKind, detail: string): void {
    this.entries.push({ at: this.now, kind, messageType: null, messageId: null, detail });
  }
}

function replyDetail(reply: Reply): string | null {
  switch (reply.type) {
    case 'inventory.reserved':
      return `reservation ${reply.payload.reservationId}`;
    case 'inventory.rejected':
      return reply.payload.reason;
    case 'payment.succeeded':
    case 'payment.refunded':
      return `transaction ${reply.payload.transactionId}`;
    case 'payment.failed':
      return reply.payload.reason;
    default:
      return null;
  }
}

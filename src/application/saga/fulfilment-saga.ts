import type { Order, OrderState } from '../../domain/order.js';
import type { OrderEvent } from '../../domain/order-events.js';
import type { Refund } from '../../domain/refunds.js';
import type { Shipment } from '../../domain/shipments.js';
import {
  type CommandPayloads,
  type CommandType,
  type LineItem,
  orderMessage,
  type RoutedMessage,
  topology,
} from '../messaging/contract.js';
import type { Clock, DomainEventPolicy, IdGenerator, StockCommitTimer, TimelineEntry } from '../ports.js';

/**
 * How a shipment's stock commit waits for its reply: attempt n waits `timeoutMs` × 2^(n-1), at
 * most 16 × `timeoutMs`, from the broker's confirm of its command; after `maxAttempts` unanswered
 * attempts the shipment's stock is COMMIT_FAILED.
 */
export interface StockCommitPolicy {
  timeoutMs: number;
  maxAttempts: number;
}

/** The longest an attempt waits, as a multiple of the first attempt's timeout. */
const maxBackoffFactor = 16;

/** How long attempt `attempt` (1-based) waits for its reply. */
export function commitAttemptTimeoutMs(policy: StockCommitPolicy, attempt: number): number {
  return policy.timeoutMs * Math.min(2 ** (attempt - 1), maxBackoffFactor);
}

export interface FulfilmentDeps {
  clock: Clock;
  newId: IdGenerator;
  stockCommit: StockCommitPolicy;
}

/**
 * After confirmation: the steps a shipment and a refund start. The aggregate records
 * `order.shipment_created`, `order.refund_requested` and `order.remainder_cancelled`; this policy
 * turns each into its command (and a timeline entry) inside the unit of work that recorded it,
 * so the state change and the command commit together. A shipment's stock commit also starts its
 * timer (`stockCommitDeadline` acts when it runs out). Replies come back through the saga runner
 * (place-order-saga.ts, `afterTheFact`), which also stops a commit's timer.
 */
export function fulfilmentPolicy(deps: FulfilmentDeps): DomainEventPolicy {
  const commandsOf = fulfilmentCommands(deps);
  return async (repositories, order, event, causationId) => {
    const commands = commandsOf(order.snapshot(), [event], causationId);
    if (commands.length === 0) return;
    repositories.outbox.add(commands);
    repositories.timeline.add(
      order.id,
      commands.map(({ envelope }) => ({
        at: deps.clock(),
        kind: 'command' as const,
        messageType: envelope.type,
        messageId: envelope.messageId,
        detail: timelineDetail(envelope.payload as Record<string, unknown>),
      })),
    );
    if (event.type === 'order.shipment_created') {
      const [commit] = commands;
      const now = deps.clock();
      repositories.stockCommits.save({
        orderId: order.id,
        shipmentId: event.shipment.id,
        awaitingMessageId: (commit as RoutedMessage).envelope.messageId,
        attempt: 1,
        timeoutMs: commitAttemptTimeoutMs(deps.stockCommit, 1),
        startedAt: now,
        updatedAt: now,
        failedAt: null,
      });
    }
  };
}

/** What became of a stock commit whose attempt ran out of time. */
export interface CommitDeadlineDecision {
  outcome: 'retried' | 'failed' | 'ignored';
  /** The timer's next state (with `failedAt` once given up), or null when it awaits nothing any more. */
  timer: StockCommitTimer | null;
  commands: RoutedMessage[];
  timeline: TimelineEntry[];
}

/**
 * A shipment's stock commit got no reply within its attempt's time: send the same command again
 * (the participant commits once per shipmentId, so a late first attempt and a resend commit once),
 * waiting twice as long, or after the last attempt give up and mark the shipment COMMIT_FAILED.
 * Pure apart from the order's own guarded change.
 */
export function stockCommitDeadline(deps: FulfilmentDeps) {
  const commands = fulfilmentCommands(deps);
  return (order: Order, timer: StockCommitTimer, now: Date): CommitDeadlineDecision => {
    const shipment = order.snapshot().shipments.find((candidate) => candidate.id === timer.shipmentId);
    // Answered (or the shipment unknown) between the sweeper's claim and now: nothing to wait for.
    if (shipment?.stock !== 'REQUESTED') {
      return { outcome: 'ignored', timer: null, commands: [], timeline: [] };
    }
    const waited = `no reply to attempt ${timer.attempt} of ${deps.stockCommit.maxAttempts} within ${timer.timeoutMs} ms`;
    if (timer.attempt >= deps.stockCommit.maxAttempts) {
      order.recordStockCommitFailed(shipment.id, now);
      return {
        outcome: 'failed',
        // Kept, marked failed: the operations view lists it until a late reply removes it.
        timer: { ...timer, updatedAt: now, failedAt: now },
        commands: [],
        timeline: [
          {
            at: now,
            kind: 'timeout',
            messageType: 'inventory.commit',
            messageId: timer.awaitingMessageId,
            detail: `stock commit of shipment ${shipment.id} failed: ${waited}`,
          },
        ],
      };
    }
    const attempt = timer.attempt + 1;
    const resend = commands.commitStock(order.snapshot(), shipment, timer.awaitingMessageId);
    return {
      outcome: 'retried',
      timer: {
        ...timer,
        awaitingMessageId: resend.envelope.messageId,
        attempt,
        timeoutMs: commitAttemptTimeoutMs(deps.stockCommit, attempt),
        updatedAt: now,
      },
      commands: [resend],
      timeline: [
        {
          at: now,
          kind: 'retry',
          messageType: resend.envelope.type,
          messageId: resend.envelope.messageId,
          detail: `shipment ${shipment.id}, attempt ${attempt} of ${deps.stockCommit.maxAttempts} (${waited})`,
        },
      ],
    };
  };
}

/** What the timeline says of a fulfilment command: which shipment or refund, and how much. */
function timelineDetail(payload: Record<string, unknown>): string | null {
  if (typeof payload.shipmentId === 'string') return `shipment ${payload.shipmentId}`;
  if (typeof payload.refundId === 'string')
    return `refund ${payload.refundId} of ${payload.amountMinor} minor units`;
  return typeof payload.reason === 'string' ? payload.reason : null;
}

/** The commands an order's new events start (exported for unit tests). */
export function fulfilmentCommands(deps: { clock: Clock; newId: IdGenerator }) {
  function command<K extends CommandType>(
    type: K,
    order: Readonly<OrderState>,
    payload: CommandPayloads[K],
    causationId: string | null,
  ): RoutedMessage {
    return orderMessage(topology.commandsExchange, type, order.id, payload, {
      messageId: deps.newId(),
      causationId,
      occurredAt: deps.clock(),
    });
  }

  const steps = {
    /**
     * Commits the shipment's units of the reservation. No compensation: goods that left the
     * warehouse stay gone; the participant is idempotent by shipmentId, so the broker's retries
     * and this service's resends (stockCommitDeadline) are safe.
     */
    commitStock: {
      invoke: (order: Readonly<OrderState>, shipment: Readonly<Shipment>, cause: string | null) =>
        command(
          'inventory.commit',
          order,
          {
            orderId: order.id,
            shipmentId: shipment.id,
            items: shipment.items.map(({ productId, quantity }) => ({ productId, quantity })),
          },
          cause,
        ),
    },
    /**
     * Gives money back on the captured payment. Its compensation is the reply itself: a refund
     * the provider refuses is recorded as FAILED and frees its amount for another attempt.
     */
    refund: {
      invoke: (order: Readonly<OrderState>, refund: Readonly<Refund>, cause: string | null) =>
        command(
          'payment.refund',
          order,
          {
            orderId: order.id,
            transactionId: order.payment.transactionId ?? '',
            amountMinor: refund.amountMinor,
            currency: order.currency,
            refundId: refund.id,
          },
          cause,
        ),
    },
  };

  /** Cancelling a partly shipped order gives back the stock of the units that will never ship. */
  const releaseUnshipped = (
    order: Readonly<OrderState>,
    items: readonly LineItem[],
    reason: string,
    cause: string | null,
  ) => command('inventory.release', order, { orderId: order.id, reason, items: [...items] }, cause);

  /** The commands the order's new events start. */
  const commandsOf = (
    order: Readonly<OrderState>,
    events: readonly OrderEvent[],
    cause: string | null,
  ): RoutedMessage[] =>
    events.flatMap((event) => {
      if (event.type === 'order.shipment_created')
        return [steps.commitStock.invoke(order, event.shipment, cause)];
      if (event.type === 'order.refund_requested') return [steps.refund.invoke(order, event.refund, cause)];
      if (event.type === 'order.remainder_cancelled')
        return [releaseUnshipped(order, event.items, event.reason, cause)];
      return [];
    });
  // The resend of a commit whose reply did not come: the same command under a new messageId.
  return Object.assign(commandsOf, { commitStock: steps.commitStock.invoke });
}

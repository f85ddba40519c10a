import type { Order } from '../../domain/order.js';
import { type Envelope, isReply } from '../messaging/contract.js';
import type {
  Clock,
  DomainEventPolicy,
  Repositories,
  SagaState,
  StockCommitTimer,
  UnitOfWork,
} from '../ports.js';
import type { CommitDeadlineDecision } from './fulfilment-saga.js';
import type { Decision, PlaceOrderSaga, ReplyOutcome, SagaInput } from './place-order-saga.js';

export class UnknownReply extends Error {
  constructor(type: string) {
    super(`Not a reply this service understands: ${type}`);
    this.name = 'UnknownReply';
  }
}

/** What the stock commit sweep did to one shipment, for logs and metrics once it committed. */
export interface SweptStockCommit {
  orderId: string;
  shipmentId: string;
  outcome: 'retried' | 'failed';
  /** The attempt that went unanswered. */
  attempt: number;
}

/** What became of a reply, for logs and metrics once it committed. */
export interface HandledReply {
  outcome: ReplyOutcome | 'duplicate' | 'unknown-order';
  unrequested?: Decision['unrequested'];
  /** When the saga sent the command this reply answers, if it was waiting for one. */
  commandSentAt?: Date;
}

export interface SagaRunnerDeps {
  saga: PlaceOrderSaga;
  clock: Clock;
  /** How long a participant has to answer a command, from the moment the broker took it. */
  stepTimeoutMs: number;
}

/**
 * The one place that turns the saga's decisions into writes: the order, the saga's timer row,
 * the commands (outbox) and the timeline, queued into the caller's unit of work, which writes
 * them together.
 */
function persist(
  repositories: Repositories,
  order: Order,
  saga: SagaState | undefined,
  decision: Decision,
  now: Date,
): void {
  repositories.orders.update(order);
  repositories.outbox.add(decision.commands);
  repositories.timeline.add(order.id, decision.timeline);
  if (decision.next === 'finished') {
    if (saga) repositories.sagas.end(order.id);
  } else if (decision.next !== 'unchanged') {
    repositories.sagas.save({
      orderId: order.id,
      awaitingMessageId: decision.next.awaitingMessageId,
      startedAt: saga?.startedAt ?? now,
      updatedAt: now,
    });
  }
}

/**
 * Starts the saga from `order.created` and lets it react to status changes others make (a
 * cancellation undoes what the saga did), inside the unit of work that recorded the event.
 * Shipping commits stock shipment by shipment (fulfilment-saga.ts).
 */
export function sagaPolicy(deps: SagaRunnerDeps): DomainEventPolicy {
  return async (repositories, order, event) => {
    const decide = async (input: SagaInput, saga?: SagaState) => {
      const decision = deps.saga.decide(order, saga, input, event.occurredAt);
      persist(repositories, order, saga, decision, event.occurredAt);
    };
    if (event.type === 'order.created') return decide({ kind: 'started' });
    // Shipments and refunds are fulfilment-saga.ts's; the saga's own changes are part of its decision.
    if (event.type !== 'order.status_changed' || event.by === 'saga') return;
    if (event.to === 'CANCELLED') {
      const saga = await repositories.sagas.find(order.id);
      const withdrawn = saga ? await repositories.outbox.withdraw(saga.awaitingMessageId) : false;
      return decide({ kind: 'cancelled', from: event.from, withdrawn }, saga);
    }
  };
}

/**
 * The saga's two entry points from the outside world, each one transaction: a participant's
 * reply (deduplicated by messageId in the inbox, in the same transaction as its effect) and the
 * timeout sweep.
 */
export function sagaRunner(
  deps: SagaRunnerDeps & {
    uow: UnitOfWork;
    /** What a shipment's stock commit does when its attempt runs out of time (fulfilment-saga.ts). */
    commitDeadline: (order: Order, timer: StockCommitTimer, now: Date) => CommitDeadlineDecision;
  },
) {
  async function apply(
    repositories: Repositories,
    order: Order,
    input: SagaInput,
  ): Promise<Decision & { commandSentAt?: Date }> {
    const saga = await repositories.sagas.find(order.id);
    const decision = deps.saga.decide(order, saga, input);
    persist(repositories, order, saga, decision, deps.clock());
    // The saga row is saved with the command it then waits for (persist), so its time is the command's.
    return { ...decision, commandSentAt: saga?.updatedAt };
  }

  return {
    handleReply(envelope: Envelope): Promise<HandledReply> {
      if (!isReply(envelope)) throw new UnknownReply(envelope.type);
      // Replies arrive many at a time at saturation; they share transactions (group commit).
      return deps.uow.runShared(
        async (repositories): Promise<HandledReply> => {
          // Asked in one turn, so the inbox row can travel with the order's locking read.
          const [fresh, order] = await Promise.all([
            repositories.inbox.markProcessed(envelope.messageId, envelope.type),
            repositories.orders.findByIdForUpdate(envelope.correlationId),
          ]);
          if (!fresh) return { outcome: 'duplicate' };
          if (!order) return { outcome: 'unknown-order' };
          const { outcome, unrequested, commandSentAt } = await apply(repositories, order, {
            kind: 'reply',
            reply: envelope,
          });
          // A shipment's commit answered (late or not, any attempt's reply): its timer stops.
          if (envelope.type === 'inventory.committed' && envelope.payload.shipmentId) {
            repositories.stockCommits.end(order.id, envelope.payload.shipmentId);
          }
          return { outcome, unrequested, commandSentAt };
        },
        { causationId: envelope.messageId },
      );
    },

    /**
     * Gives up on steps whose command was sent longer ago than the step timeout (or before
     * `cutoff`, when the caller knows of time the participants could not be reached); returns how many.
     */
    sweepTimeouts(limit: number, cutoff?: Date): Promise<number> {
      return deps.uow.run(async (repositories) => {
        const sentBefore = cutoff ?? new Date(deps.clock().getTime() - deps.stepTimeoutMs);
        let handled = 0;
        for (const due of await repositories.sagas.claimTimedOut(sentBefore, limit)) {
          const order = await repositories.orders.findByIdForUpdate(due.orderId);
          if (!order) continue;
          const decision = await apply(repositories, order, {
            kind: 'timeout',
            messageId: due.awaitingMessageId,
          });
          if (decision.outcome !== 'ignored') handled += 1;
        }
        return handled;
      });
    },

    /**
     * Resends, or gives up on, shipments' stock commits whose attempt got no reply in time;
     * returns what it did to each (at most `limit` timers are looked at). Deadlines count up to
     * `deadlinesRunUntil` (default now): a broker outage stops them.
     */
    sweepStockCommits(
      limit: number,
      deadlinesRunUntil?: Date,
    ): Promise<{ claimed: number; swept: SweptStockCommit[] }> {
      return deps.uow.run(async (repositories) => {
        const now = deps.clock();
        const due = await repositories.stockCommits.claimDue(deadlinesRunUntil ?? now, limit);
        const swept: SweptStockCommit[] = [];
        for (const claimed of due) {
          const order = await repositories.orders.findByIdForUpdate(claimed.orderId);
          if (!order) {
            repositories.stockCommits.end(claimed.orderId, claimed.shipmentId);
            continue;
          }
          // Read again under the order's lock: another instance may have resent it, or a reply
          // stopped it, between the claim and the lock.
          const timer = await repositories.stockCommits.find(claimed.orderId, claimed.shipmentId);
          if (timer?.awaitingMessageId !== claimed.awaitingMessageId || timer.failedAt) continue;
          const decision = deps.commitDeadline(order, timer, now);
          if (decision.timer) repositories.stockCommits.save(decision.timer);
          else repositories.stockCommits.end(timer.orderId, timer.shipmentId);
          if (decision.outcome === 'ignored') continue;
          repositories.orders.update(order);
          repositories.outbox.add(decision.commands);
          repositories.timeline.add(order.id, decision.timeline);
          swept.push({
            orderId: order.id,
            shipmentId: timer.shipmentId,
            outcome: decision.outcome,
            attempt: timer.attempt,
          });
        }
        return { claimed: due.length, swept };
      });
    },
  };
}

export type SagaRunner = ReturnType<typeof sagaRunner>;

import { setTimeout } from 'node:timers/promises';
import type { Kysely, Transaction as KyselyTransaction } from 'kysely';
import type { RoutedMessage } from '../../application/messaging/contract.js';
import type { DomainEventPolicy, Repositories, UnitOfWork } from '../../application/ports.js';
import { CommitOutcomeUnknown } from '../../application/unavailable.js';
import type { Order, OrderState } from '../../domain/order.js';
import type { OrderEvent } from '../../domain/order-events.js';
import type { Dialect } from './connection.js';
import { groupCommit } from './group-commit.js';
import { idempotencyStore } from './idempotency-store.js';
import { orderRepository } from './order-repository.js';
import { inboxWriter, outboxWriter, timelineWriter } from './outbox-inbox.js';
import { sagaRepository } from './saga-repository.js';
import type { Database } from './schema.js';
import { isDatabaseUnavailable, isTransientConflict } from './sql-errors.js';
import { type StatementBatch, statementBatch, writesAhead } from './statement-batch.js';
import { stockCommitTimers } from './stock-commit-timers.js';

/**
 * Keeps a read model in step with the write model, inside the same transaction: queues its
 * writes (built on `trx`) to go with the transaction's others. It sees every order the
 * transaction saved at once (several when works share it), so shared rows are written once.
 */
export type Projector = (
  trx: KyselyTransaction<Database>,
  writes: StatementBatch,
  saved: readonly { order: Readonly<OrderState>; events: readonly OrderEvent[] }[],
) => void;

/** What one committed transaction did to one order. */
export interface CommittedChange {
  order: Readonly<OrderState>;
  events: readonly OrderEvent[];
}

/**
 * Sees the changes of each transaction after it committed (metrics), so a rollback is never seen.
 * It must not throw: the caller would report a failure for work that did commit.
 */
export type CommitObserver = (changes: readonly CommittedChange[]) => void;

export interface UnitOfWorkOptions {
  db: Kysely<Database>;
  dialect: Dialect;
  now: () => number;
  /** Maps an order's events to the messages other services receive. */
  eventMessages: (
    order: Readonly<OrderState>,
    events: readonly OrderEvent[],
    causationId: string | null,
  ) => RoutedMessage[];
  /** React to domain events inside the transaction (the place-order saga). */
  policies?: readonly DomainEventPolicy[];
  projectors?: readonly Projector[];
  /** Runs of one unit of work when the database aborts it as a deadlock victim. */
  maxAttempts?: number;
  afterCommit?: readonly CommitObserver[];
  /** The outbox relay's fast path: rows written under its claim are handed to it after commit. */
  outboxFastPath?: OutboxFastPath;
  /** Told how many works each committed transaction of `runShared` carried (metrics). */
  observeShared?: (works: number) => void;
}

export interface OutboxFastPath {
  /** The claim to put on new outbox rows, or null to leave them to the relay's poller. */
  claimUntil(): number | null;
  publishCommitted(messages: readonly RoutedMessage[]): void;
}

/** Policies that keep causing events past this many rounds are a bug, not a workload. */
const maxPolicyRounds = 10;

/** One caller's work and the message that caused it. */
interface Work<T> {
  work: (repositories: Repositories) => Promise<T>;
  causationId: string | null;
}

/**
 * One database transaction per use case. When the work is done, the domain events of every order
 * it saved go to the policies, then everything is written in one batch (one round trip on MySQL):
 * orders, saga rows, outbox (commands and event messages), timeline, read model. A state change
 * and its messages commit together, and each order is written once. `runShared` work may share
 * the transaction with other such work (group commit), each with its own causation.
 */
export function createUnitOfWork(options: UnitOfWorkOptions): UnitOfWork {
  const { db, dialect, now, eventMessages, policies = [], projectors = [], maxAttempts = 3 } = options;
  const afterCommit = options.afterCommit ?? [];
  const fastPath = options.outboxFastPath;

  /** Runs `works` in one transaction, retrying a deadlock victim; each one's result, in order. */
  async function runTogether(works: readonly Work<unknown>[]): Promise<unknown[]> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const changes: CommittedChange[] = [];
        const claimUntil = fastPath?.claimUntil() ?? null;
        const written: RoutedMessage[] = [];
        const results = await attemptOnce(works, changes, claimUntil, written);
        if (claimUntil !== null) fastPath?.publishCommitted(written);
        for (const observe of afterCommit) observe(changes);
        return results;
      } catch (error) {
        if (attempt >= maxAttempts || !isTransientConflict(error)) throw error;
        // A deadlock victim is rolled back whole; run it again after a short, jittered pause.
        await setTimeout(Math.random() * 10 * attempt);
      }
    }
  }

  // At saturation, replies and new orders share transactions (group-commit.ts). Whether a failed
  // commit happened is unknown, and a database that is away fails them alone too: neither is run again.
  const shared = groupCommit<Work<unknown>, unknown>({
    async together(works) {
      const results = await runTogether(works);
      options.observeShared?.(works.length);
      return results;
    },
    worthRunningAlone: (error) => !(error instanceof CommitOutcomeUnknown || isDatabaseUnavailable(error)),
  });

  return {
    async run(work, { causationId = null }: { causationId?: string | null } = {}) {
      const [result] = await runTogether([{ work, causationId }]);
      return result as Awaited<ReturnType<typeof work>>;
    },

    async runShared(work, { causationId = null }: { causationId?: string | null } = {}) {
      return (await shared({ work, causationId })) as Awaited<ReturnType<typeof work>>;
    },
  };

  function attemptOnce(
    works: readonly Work<unknown>[],
    changes: CommittedChange[],
    claimUntil: number | null,
    written: RoutedMessage[],
  ): Promise<unknown[]> {
    let committing = false;
    return db
      .transaction()
      .execute(async (trx) => {
        const sagas = sagaRepository(trx, dialect);
        const ahead = writesAhead(trx, dialect);
        const orders = orderRepository(trx, dialect, sagas, ahead);
        const stockCommits = stockCommitTimers(trx, dialect);
        const outbox = outboxWriter(trx, now, claimUntil, written);
        const timeline = timelineWriter();
        const idempotency = idempotencyStore(trx, now);
        const repositories: Repositories = {
          orders,
          idempotency,
          outbox,
          inbox: inboxWriter(trx, now, ahead),
          sagas,
          stockCommits,
          timeline,
        };

        const results: unknown[] = [];
        const eventsOf = new Map<Order, OrderEvent[]>();
        for (const { work, causationId } of works) {
          results.push(await work(repositories));
          // The events this work caused, and those its policies then caused, carry its causation.
          const caused = new Map<Order, OrderEvent[]>();
          for (let round = 0; ; round += 1) {
            const batch = orders.queued().map((order) => [order, order.pullEvents()] as const);
            if (batch.every(([, events]) => events.length === 0)) break;
            if (round >= maxPolicyRounds) throw new Error('domain event policies did not settle');
            for (const [order, events] of batch) {
              caused.set(order, [...(caused.get(order) ?? []), ...events]);
              for (const event of events) {
                for (const policy of policies) await policy(repositories, order, event, causationId);
              }
            }
          }
          for (const [order, events] of caused) {
            if (events.length === 0) continue;
            outbox.add(eventMessages(order.snapshot(), events, causationId));
            eventsOf.set(order, [...(eventsOf.get(order) ?? []), ...events]);
          }
        }

        const writes = statementBatch(trx, dialect);
        const savedOrders = orders.flush(writes);
        sagas.flush(writes);
        outbox.flush(writes);
        timeline.flush(writes);
        const saved = savedOrders.map((order) => ({
          order: order.snapshot(),
          events: eventsOf.get(order) ?? [],
        }));
        for (const change of saved) if (change.events.length > 0) changes.push(change);
        // Also orders without events: a saga step changes what a read model shows of the order.
        for (const project of projectors) project(trx, writes, saved);
        // Usually the COMMIT goes with the batch: one round trip fewer per transaction, the POST's
        // whole transaction in one. Not when writes follow it: the stock-commit timer's upsert reads
        // its own result, and a taken idempotency key must be told from the batch's other failures.
        const commitWithWrites = writes.canCommit() && !stockCommits.pending() && !idempotency.pending();
        committing = commitWithWrites;
        await writes.run({ commit: commitWithWrites });
        await stockCommits.flush();
        await idempotency.flush();
        committing = true;
        return results;
      })
      .catch((error: unknown) => {
        // The work was done and COMMIT sent when the connection failed: it may or may not have taken effect.
        if (committing && isDatabaseUnavailable(error)) throw new CommitOutcomeUnknown(error);
        throw error;
      });
  }
}

import type { Kysely, Transaction as KyselyTransaction } from 'kysely';
import type { OutboxMessage, Transaction, UnitOfWork } from '../../application/ports.js';
import type { Order, OrderState } from '../../domain/order.js';
import type { OrderEvent } from '../../domain/order-events.js';
import type { Dialect } from './connection.js';
import { idempotencyStore } from './idempotency-store.js';
import { orderRepository } from './order-repository.js';
import { inboxWriter, outboxWriter } from './outbox-inbox.js';
import { sagaRepository } from './saga-repository.js';
import type { Database } from './schema.js';

/** Keeps a read model in step with the write model, inside the same transaction. */
export type Projector = (
  trx: KyselyTransaction<Database>,
  order: Readonly<OrderState>,
  events: readonly OrderEvent[],
) => Promise<void>;

export interface UnitOfWorkOptions {
  db: Kysely<Database>;
  dialect: Dialect;
  now: () => number;
  /** Maps an order's events to the messages other services receive. */
  eventMessages: (order: Readonly<OrderState>, events: readonly OrderEvent[]) => OutboxMessage[];
  projectors?: readonly Projector[];
}

/**
 * One database transaction per use case. Before commit, the events of every order saved in it
 * become outbox rows and read-model updates, so a state change and its messages commit together.
 */
export function createUnitOfWork(options: UnitOfWorkOptions): UnitOfWork {
  const { db, dialect, now, eventMessages, projectors = [] } = options;
  return {
    run(work) {
      return db.transaction().execute(async (trx) => {
        const saved = new Set<Order>();
        const outbox = outboxWriter(trx, now);
        const tx: Transaction = {
          orders: orderRepository(trx, dialect, (order) => saved.add(order)),
          idempotency: idempotencyStore(trx, now),
          outbox,
          inbox: inboxWriter(trx, now),
          sagas: sagaRepository(trx, dialect),
        };
        const result = await work(tx);
        for (const order of saved) {
          const events = order.pullEvents();
          if (events.length === 0) continue;
          const state = order.snapshot();
          await outbox.add(eventMessages(state, events));
          for (const project of projectors) await project(trx, state, events);
        }
        return result;
      });
    },
  };
}

import type { Kysely } from 'kysely';
import type { OrderRepository } from '../../application/ports.js';
import { ConcurrencyConflict } from '../../domain/errors.js';
import { Order } from '../../domain/order.js';
import type { Dialect } from './connection.js';
import { orderReads, ordersFrom } from './order-loader.js';
import { toHistoryRows, toItemRows, toOrderRow } from './order-rows.js';
import type { QueuedSagas } from './saga-repository.js';
import type { Database } from './schema.js';
import { readTogether, type StatementBatch, type WritesAhead } from './statement-batch.js';

export interface TrackedOrders extends OrderRepository {
  /** The orders queued for writing, in the order they were first queued. */
  queued(): Order[];
  /**
   * Queues the writes of every queued order, once each: new ones inserted, changed ones updated
   * under the optimistic lock (checked when the batch runs). Returns the orders it wrote (an
   * unchanged one is not written).
   */
  flush(writes: StatementBatch): Order[];
}

/** An order as this unit of work read it. */
interface Loaded {
  version: number;
  historyLength: number;
  /** Read FOR UPDATE, and by no other work of the transaction: no one else can have changed it. */
  locked: boolean;
}

/**
 * Orders inside one unit of work. Reads happen at once; writes are queued and handed to the
 * transaction's statement batch by `flush`, after the domain event policies have run, so each
 * order is written once per transaction. It remembers the version and history length each order
 * had when read, so the update checks the optimistic lock and appends only the new history rows.
 */
export function orderRepository(
  trx: Kysely<Database>,
  dialect: Dialect,
  /** The same transaction's saga rows, read along with an order read for update. */
  sagas?: Pick<QueuedSagas, 'rowRead' | 'preload'>,
  /** The same transaction's held-back writes (its inbox row), sent ahead of an order read. */
  ahead?: WritesAhead,
): TrackedOrders {
  const loaded = new WeakMap<Order, Loaded>();
  // Two works sharing the transaction (group commit) may each read the same order: its lock does
  // not keep them from each other, so their updates are checked by version whatever the lock.
  const lastReadById = new Map<string, Loaded>();
  const queue = new Map<Order, 'insert' | 'update'>();

  async function find(id: string, lock: boolean): Promise<Order | undefined> {
    // Locks the row until commit; SQLite needs no lock because its writers are serialized.
    const locked = lock && dialect === 'mysql';
    const reads = orderReads(trx, [id], { lock: locked });
    // A locked order is about to change, and its saga row is read with it: same round trip.
    const alongside = lock ? sagas : undefined;
    const results = await readTogether(
      trx,
      dialect,
      alongside ? [...reads, alongside.rowRead(id)] : reads,
      ahead,
    );
    alongside?.preload(id, results[reads.length] ?? []);
    const [state] = ordersFrom([id], results);
    if (!state) return undefined;
    const order = Order.rehydrate(state);
    const read: Loaded = { version: state.version, historyLength: state.statusHistory.length, locked };
    const key = id.toLowerCase(); // MySQL compares ids without case.
    // Reads before the last were unlocked when the one after them came.
    const earlier = lastReadById.get(key);
    if (earlier) {
      earlier.locked = false;
      read.locked = false;
    }
    lastReadById.set(key, read);
    loaded.set(order, read);
    return order;
  }

  /** New orders, however many, in one statement per table. */
  function insert(orders: readonly Order[], writes: StatementBatch): void {
    if (orders.length === 0) return;
    const states = orders.map((order) => order.snapshot());
    writes.insert(
      'orders',
      states.map((state) => toOrderRow(state)),
    );
    writes.insert(
      'order_items',
      states.flatMap((state) => toItemRows(state)),
    );
    writes.insert(
      'order_status_history',
      states.flatMap((state) => toHistoryRows(state)),
    );
  }

  function update(order: Order, writes: StatementBatch): boolean {
    const before = loaded.get(order);
    if (!before) throw new Error('update() needs an order read through this repository');
    const state = order.snapshot();
    if (state.version === before.version) return false;
    const { id: _id, created_at: _createdAt, customer_id: _customerId, ...changes } = toOrderRow(state);
    // A row read FOR UPDATE cannot have changed since: checking it would only keep the COMMIT
    // from going with the writes (statement-batch.ts). Read without the lock, the version decides.
    writes.update(
      'orders',
      changes,
      { id: state.id, version: before.version },
      before.locked
        ? undefined
        : (updated) => {
            if (updated !== 1) throw new ConcurrencyConflict(state.id);
          },
    );
    const newHistory = toHistoryRows(state, before.historyLength);
    writes.insert('order_status_history', newHistory);
    return true;
  }

  return {
    findById: (id) => find(id, false),
    findByIdForUpdate: (id) => find(id, true),
    insert(order) {
      queue.set(order, 'insert');
    },
    update(order) {
      if (!queue.has(order)) queue.set(order, 'update');
    },
    queued: () => [...queue.keys()],
    flush(writes) {
      const inserted = [...queue].filter(([, write]) => write === 'insert').map(([order]) => order);
      insert(inserted, writes);
      const written: Order[] = [];
      for (const [order, write] of queue) {
        if (write === 'insert' || update(order, writes)) written.push(order);
      }
      queue.clear();
      return written;
    },
  };
}

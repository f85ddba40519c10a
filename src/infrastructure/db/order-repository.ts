import type { Kysely } from 'kysely';
import type { OrderRepository } from '../../application/ports.js';
import { ConcurrencyConflict } from '../../domain/errors.js';
import { Order } from '../../domain/order.js';
import type { Dialect } from './connection.js';
import { loadOrders } from './order-loader.js';
import { toHistoryRows, toItemRows, toOrderRow } from './order-rows.js';
import type { Database } from './schema.js';

/**
 * Orders inside one transaction. It remembers the version and history length each order had
 * when read, so `update` can check the optimistic lock and append only the new history rows,
 * and it hands every saved order to `onSaved` so the unit of work can collect its events.
 */
export function orderRepository(
  trx: Kysely<Database>,
  dialect: Dialect,
  onSaved: (order: Order) => void,
): OrderRepository {
  const loaded = new WeakMap<Order, { version: number; historyLength: number }>();

  async function find(id: string, lock: boolean): Promise<Order | undefined> {
    // Locks the row until commit; SQLite needs no lock because its writers are serialized.
    const [state] = await loadOrders(trx, [id], { lock: lock && dialect === 'mysql' });
    if (!state) return undefined;
    const order = Order.rehydrate(state);
    loaded.set(order, { version: state.version, historyLength: state.statusHistory.length });
    return order;
  }

  return {
    findById: (id) => find(id, false),
    findByIdForUpdate: (id) => find(id, true),

    async insert(order) {
      const state = order.snapshot();
      await trx.insertInto('orders').values(toOrderRow(state)).execute();
      await trx.insertInto('order_items').values(toItemRows(state)).execute();
      await trx.insertInto('order_status_history').values(toHistoryRows(state)).execute();
      loaded.set(order, { version: state.version, historyLength: state.statusHistory.length });
      onSaved(order);
    },

    async update(order) {
      const before = loaded.get(order);
      if (!before) throw new Error('update() needs an order read through this repository');
      const state = order.snapshot();
      if (state.version === before.version) return;
      const { id: _id, created_at: _createdAt, customer_id: _customerId, ...changes } = toOrderRow(state);
      const result = await trx
        .updateTable('orders')
        .set(changes)
        .where('id', '=', state.id)
        .where('version', '=', before.version)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw new ConcurrencyConflict(state.id);
      const newHistory = toHistoryRows(state, before.historyLength);
      if (newHistory.length > 0) await trx.insertInto('order_status_history').values(newHistory).execute();
      loaded.set(order, { version: state.version, historyLength: state.statusHistory.length });
      onSaved(order);
    },
  };
}

import type { Kysely, Selectable } from 'kysely';
import type { OrderState } from '../../domain/order.js';
import type { Dialect } from './connection.js';
import { toOrderState } from './order-rows.js';
import type { Database, OrderItemsTable, OrderStatusHistoryTable, OrdersTable } from './schema.js';
import { readTogether } from './statement-batch.js';

/**
 * Loads whole orders (row, items, history) for a set of ids with three queries, not 3×N, sent
 * together (one round trip on MySQL).
 */
export async function loadOrders(
  db: Kysely<Database>,
  dialect: Dialect,
  ids: readonly string[],
  options: { lock?: boolean } = {},
): Promise<OrderState[]> {
  if (ids.length === 0) return [];
  return ordersFrom(ids, await readTogether(db, dialect, orderReads(db, ids, options)));
}

/**
 * The three reads of loadOrders, for a caller that sends more with them. They run in order: the
 * locking read of the order rows comes first, and the items and history read after it see the
 * latest committed rows (READ COMMITTED).
 */
export function orderReads(db: Kysely<Database>, ids: readonly string[], options: { lock?: boolean } = {}) {
  return [
    db
      .selectFrom('orders')
      .selectAll()
      .where('id', 'in', ids)
      .$if(options.lock === true, (query) => query.forUpdate()),
    db.selectFrom('order_items').selectAll().where('order_id', 'in', ids),
    db.selectFrom('order_status_history').selectAll().where('order_id', 'in', ids),
  ];
}

/** The orders, in the order of `ids`, from the results of orderReads (extra results ignored). */
export function ordersFrom(ids: readonly string[], results: readonly unknown[][]): OrderState[] {
  const [rows, items, history] = results as [
    Selectable<OrdersTable>[],
    Selectable<OrderItemsTable>[],
    Selectable<OrderStatusHistoryTable>[],
  ];
  const byId = new Map(
    rows.map((row) => [
      row.id,
      toOrderState(
        row,
        items.filter((item) => item.order_id === row.id),
        history.filter((change) => change.order_id === row.id),
      ),
    ]),
  );
  return ids.flatMap((id) => byId.get(id) ?? []);
}

import type { Kysely } from 'kysely';
import type { OrderState } from '../../domain/order.js';
import { toOrderState } from './order-rows.js';
import type { Database } from './schema.js';

/** Loads whole orders (row, items, history) for a set of ids with three queries, not 3×N. */
export async function loadOrders(
  db: Kysely<Database>,
  ids: readonly string[],
  options: { lock?: boolean } = {},
): Promise<OrderState[]> {
  if (ids.length === 0) return [];
  // One connection runs these in order: the locking read of the order rows comes first, and the
  // items and history read after it see the latest committed rows (READ COMMITTED).
  const [rows, items, history] = await Promise.all([
    db
      .selectFrom('orders')
      .selectAll()
      .where('id', 'in', ids)
      .$if(options.lock === true, (query) => query.forUpdate())
      .execute(),
    db.selectFrom('order_items').selectAll().where('order_id', 'in', ids).execute(),
    db.selectFrom('order_status_history').selectAll().where('order_id', 'in', ids).execute(),
  ]);
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

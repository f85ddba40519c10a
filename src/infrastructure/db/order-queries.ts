import type { Kysely } from 'kysely';
import type { OrderQueries, TimelineKind } from '../../application/ports.js';
import { loadOrders } from './order-loader.js';
import type { Database } from './schema.js';

/** Reads of whole orders from the write model (the primary: read-your-writes). */
export function orderQueries(db: Kysely<Database>): OrderQueries {
  return {
    async findById(id) {
      const [order] = await loadOrders(db, [id]);
      return order;
    },

    async timeline(id) {
      const [owner, rows] = await Promise.all([
        db.selectFrom('orders').select('customer_id').where('id', '=', id).executeTakeFirst(),
        db.selectFrom('order_timeline').selectAll().where('order_id', '=', id).orderBy('id').execute(),
      ]);
      if (!owner) return undefined;
      return {
        customerId: owner.customer_id,
        entries: rows.map((row) => ({
          at: new Date(Number(row.occurred_at)),
          kind: row.kind as TimelineKind,
          messageType: row.message_type,
          messageId: row.message_id,
          detail: row.detail,
        })),
      };
    },
  };
}

import type { Kysely } from 'kysely';
import type { OrderQueries } from '../../application/ports.js';
import { loadOrders } from './order-loader.js';
import type { Database } from './schema.js';

/** Reads for the API; `db` may be a read replica. */
export function orderQueries(db: Kysely<Database>): OrderQueries {
  return {
    async findById(id) {
      const [order] = await loadOrders(db, [id]);
      return order;
    },

    async history(customerId, { offset, limit }) {
      const [page, count] = await Promise.all([
        db
          .selectFrom('orders')
          .select('id')
          .where('customer_id', '=', customerId)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit)
          .offset(offset)
          .execute(),
        db
          .selectFrom('orders')
          .select((eb) => eb.fn.countAll<number>().as('total'))
          .where('customer_id', '=', customerId)
          .executeTakeFirstOrThrow(),
      ]);
      return {
        items: await loadOrders(
          db,
          page.map((row) => row.id),
        ),
        total: Number(count.total),
      };
    },
  };
}

import type { Kysely } from 'kysely';
import type { OrderQueries } from '../../application/ports.js';
import { loadOrders } from './order-loader.js';
import type { Database } from './schema.js';

/** Reads of whole orders from the write model (the primary: read-your-writes). */
export function orderQueries(db: Kysely<Database>): OrderQueries {
  return {
    async findById(id) {
      const [order] = await loadOrders(db, [id]);
      return order;
    },
  };
}

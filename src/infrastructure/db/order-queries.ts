import type { Kysely } from 'kysely';
import type { OrderQueries, TimelineKind } from '../../application/ports.js';
import type { Database } from './schema.js';

/**
 * GET's read: the order's projected API document, with its owner for the access check, in one
 * primary-key read of `order_summaries`. The projector writes that row in every transaction that
 * saves the order (read-model/projector.ts), and this reads the primary, so a client reads its
 * own writes; loading the write model instead took three queries and a rebuild of the view.
 */
export function orderQueries(db: Kysely<Database>): OrderQueries {
  return {
    async findView(id) {
      const row = await db
        .selectFrom('order_summaries')
        .select(['customer_id', 'document'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      // A JSON column (MySQL 8) arrives parsed; the text columns this schema uses arrive as text.
      const json = typeof row.document === 'string' ? row.document : JSON.stringify(row.document);
      return { customerId: row.customer_id, json };
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

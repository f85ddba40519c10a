import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { OrderQueries, TimelineKind } from '../../application/ports.js';
import type { Database } from './schema.js';

/**
 * GET's read: the order's projected API document, with its owner for the access check, from
 * `order_summaries` by primary key. The projector writes that row in every transaction that
 * saves the order (read-model/projector.ts), and this reads the primary, so a client reads its
 * own writes; loading the write model instead took three queries and a rebuild of the view.
 *
 * Concurrent GETs share one query: every id asked for while the event loop handles one round of
 * ready sockets is read with a single `where id in (…)` just after it (setImmediate). With 50
 * connections a profile showed the service 42 % idle, each read waiting its turn for one of the
 * pool's connections (docs/benchmarks.md). Nothing is cached, so a read still starts after its
 * request arrived.
 */
export function orderQueries(db: Kysely<Database>): OrderQueries {
  const views = new DataLoader<string, { customerId: string; json: string } | undefined>(
    async (ids) => {
      const rows = await db
        .selectFrom('order_summaries')
        .select(['id', 'customer_id', 'document'])
        .where('id', 'in', ids)
        .execute();
      // MariaDB compares ids without case, as the single-row `=` did; SQLite compares them exactly.
      const found = new Map(rows.map((row) => [row.id.toLowerCase(), row]));
      return ids.map((id) => {
        const row = found.get(id.toLowerCase());
        if (!row) return undefined;
        // A JSON column (MySQL 8) arrives parsed; the text columns this schema uses arrive as text.
        const json = typeof row.document === 'string' ? row.document : JSON.stringify(row.document);
        return { customerId: row.customer_id, json };
      });
    },
    { cache: false, maxBatchSize: 100, batchScheduleFn: (dispatch) => setImmediate(dispatch) },
  );

  return {
    findView: (id) => views.load(id),

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

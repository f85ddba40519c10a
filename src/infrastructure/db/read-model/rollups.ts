import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../connection.js';
import type { Database } from '../schema.js';
import type { RollupDeltas } from './read-rows.js';

/**
 * Adds deltas to the rollup rows, creating missing ones: MySQL's ON DUPLICATE KEY UPDATE or
 * SQLite's ON CONFLICT DO UPDATE. Rows arrive sorted by key (mergeDeltas), and one multi-row
 * statement takes their locks in that order.
 */
export async function applyRollupDeltas(
  db: Kysely<Database>,
  dialect: Dialect,
  deltas: RollupDeltas,
): Promise<void> {
  if (deltas.stats.length > 0) {
    const insert = db.insertInto('order_stats_hourly').values(deltas.stats);
    await (dialect === 'mysql'
      ? insert.onDuplicateKeyUpdate({
          order_count: sql`order_count + values(order_count)`,
          total_minor: sql`total_minor + values(total_minor)`,
        })
      : insert.onConflict((conflict) =>
          conflict.columns(['currency', 'hour_start', 'status']).doUpdateSet({
            order_count: sql`order_count + excluded.order_count`,
            total_minor: sql`total_minor + excluded.total_minor`,
          }),
        )
    ).execute();
  }
  if (deltas.sales.length > 0) {
    const insert = db.insertInto('product_sales_daily').values(deltas.sales);
    await (dialect === 'mysql'
      ? insert.onDuplicateKeyUpdate({
          quantity: sql`quantity + values(quantity)`,
          revenue_minor: sql`revenue_minor + values(revenue_minor)`,
        })
      : insert.onConflict((conflict) =>
          conflict.columns(['currency', 'day_start', 'product_id']).doUpdateSet({
            quantity: sql`quantity + excluded.quantity`,
            revenue_minor: sql`revenue_minor + excluded.revenue_minor`,
          }),
        )
    ).execute();
  }
}

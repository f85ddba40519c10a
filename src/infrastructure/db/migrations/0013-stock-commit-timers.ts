import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.js';
import { tableOptions } from './helpers.js';

/**
 * One timer per shipment whose stock commit awaits the inventory participant's reply: the
 * `inventory.commit` it awaits, which attempt that is and how long it may wait. A row of its own,
 * not part of the order's shipments JSON, so the sweeper finds the due ones, and the operations view
 * the failed ones, without reading orders.
 */
export function stockCommitTimersMigration(dialect: Dialect) {
  const table = tableOptions(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await table(
        db.schema
          .createTable('stock_commit_timers')
          .addColumn('order_id', 'char(36)', (col) => col.notNull())
          .addColumn('shipment_id', 'varchar(80)', (col) => col.notNull())
          .addColumn('awaiting_message_id', 'char(36)', (col) => col.notNull())
          .addColumn('attempt', 'integer', (col) => col.notNull())
          .addColumn('timeout_ms', 'bigint', (col) => col.notNull())
          .addColumn('started_at', 'bigint', (col) => col.notNull())
          .addColumn('updated_at', 'bigint', (col) => col.notNull())
          // Set when the last attempt went unanswered: the row stays as the operations view's list
          // of COMMIT_FAILED shipments until a late reply removes it (there is no admin action yet).
          .addColumn('failed_at', 'bigint')
          .addPrimaryKeyConstraint('stock_commit_timers_pk', ['order_id', 'shipment_id']),
      ).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('stock_commit_timers').execute();
    },
  };
}

import type { Kysely } from 'kysely';

/**
 * An order's shipments, refunds and units cancelled after part of it shipped, as JSON beside the order: they are read and written with
 * it, under its version check, and never queried on their own (the read model serves search).
 */
export function shipmentsRefundsMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const column of ['shipments', 'refunds', 'cancelled_items']) {
        await db.schema
          .alterTable('orders')
          .addColumn(column, 'text', (col) => col.notNull().defaultTo('[]'))
          .execute();
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const column of ['cancelled_items', 'refunds', 'shipments']) {
        await db.schema.alterTable('orders').dropColumn(column).execute();
      }
    },
  };
}

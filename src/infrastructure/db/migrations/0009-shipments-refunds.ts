import type { Kysely } from 'kysely';

/**
 * An order's shipments and refunds, as JSON beside the order: they are read and written with
 * it, under its version check, and never queried on their own (the read model serves search).
 */
export function shipmentsRefundsMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const column of ['shipments', 'refunds']) {
        await db.schema
          .alterTable('orders')
          .addColumn(column, 'text', (col) => col.notNull().defaultTo('[]'))
          .execute();
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const column of ['refunds', 'shipments']) {
        await db.schema.alterTable('orders').dropColumn(column).execute();
      }
    },
  };
}

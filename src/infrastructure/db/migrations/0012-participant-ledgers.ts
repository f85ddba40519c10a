import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.js';
import { tableOptions } from './helpers.js';

/**
 * What the simulated participants did, kept in the database instead of their memory: a simulator
 * killed between its reply and its ack acts again on redelivery unless it can look up what it
 * already did. Each table is keyed by the business key that makes a repeat a repeat (the order, the
 * refund, the command), so two copies of one command cannot both act: the second meets the key.
 * The embedded shape keeps them beside the orders; the simulator process in its own database.
 */
export function participantLedgersMigration(dialect: Dialect) {
  const table = tableOptions(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Units of a product neither reserved nor committed; a product gets its row when first reserved.
      await table(
        db.schema
          .createTable('inventory_stock')
          .addColumn('product_id', 'varchar(64)', (col) => col.primaryKey())
          .addColumn('available', 'bigint', (col) => col.notNull()),
      ).execute();
      // One row per order: its reservation (reserved, committed, released) or the rejection it got,
      // with the reply of its first reserve, which every later reserve for the order is answered with.
      await table(
        db.schema
          .createTable('inventory_reservations')
          .addColumn('order_id', 'varchar(64)', (col) => col.primaryKey())
          .addColumn('reservation_id', 'varchar(64)')
          .addColumn('status', 'varchar(16)', (col) => col.notNull())
          // Units held per product, JSON {productId: quantity}.
          .addColumn('items', 'text', (col) => col.notNull())
          // The first reserve's reply type and payload, JSON.
          .addColumn('outcome', 'text', (col) => col.notNull())
          .addColumn('updated_at', 'bigint', (col) => col.notNull()),
      ).execute();
      // The simulated card gateway: one charge (or decline) per order, like a gateway given the order id as Idempotency-Key.
      await table(
        db.schema
          .createTable('simulated_card_charges')
          .addColumn('order_id', 'varchar(64)', (col) => col.primaryKey())
          .addColumn('transaction_id', 'varchar(64)', (col) => col.unique())
          .addColumn('customer_id', 'varchar(64)', (col) => col.notNull())
          .addColumn('amount_minor', 'bigint', (col) => col.notNull())
          .addColumn('currency', 'char(3)', (col) => col.notNull())
          .addColumn('declined_reason', 'varchar(255)')
          .addColumn('created_at', 'bigint', (col) => col.notNull()),
      ).execute();
      // Refunds per charge, keyed by the order service's refund id (the transaction id for a cancellation's full refund).
      await table(
        db.schema
          .createTable('simulated_card_refunds')
          .addColumn('transaction_id', 'varchar(64)', (col) => col.notNull())
          .addColumn('refund_key', 'varchar(64)', (col) => col.notNull())
          .addColumn('refund_id', 'varchar(80)', (col) => col.notNull())
          .addColumn('amount_minor', 'bigint', (col) => col.notNull())
          .addColumn('created_at', 'bigint', (col) => col.notNull())
          .addPrimaryKeyConstraint('simulated_card_refunds_pk', ['transaction_id', 'refund_key']),
      ).execute();
      // The reply each participant sent per command, so a redelivered command gets the very same message back.
      await table(
        db.schema
          .createTable('participant_replies')
          .addColumn('participant', 'varchar(16)', (col) => col.notNull())
          .addColumn('message_id', 'varchar(255)', (col) => col.notNull())
          .addColumn('reply', 'text', (col) => col.notNull())
          .addColumn('created_at', 'bigint', (col) => col.notNull())
          .addPrimaryKeyConstraint('participant_replies_pk', ['participant', 'message_id']),
      ).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const name of [
        'participant_replies',
        'simulated_card_refunds',
        'simulated_card_charges',
        'inventory_reservations',
        'inventory_stock',
      ]) {
        await db.schema.dropTable(name).execute();
      }
    },
  };
}

import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.js';
import { tableOptions } from './helpers.js';

export function ordersMigration(dialect: Dialect) {
  const table = tableOptions(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await table(
        db.schema
          .createTable('orders')
          .addColumn('id', 'char(36)', (col) => col.primaryKey())
          .addColumn('customer_id', 'varchar(64)', (col) => col.notNull())
          .addColumn('status', 'varchar(16)', (col) => col.notNull())
          .addColumn('currency', 'char(3)', (col) => col.notNull())
          .addColumn('total_minor', 'bigint', (col) => col.notNull())
          .addColumn('shipping_street', 'varchar(200)', (col) => col.notNull())
          .addColumn('shipping_city', 'varchar(100)', (col) => col.notNull())
          .addColumn('shipping_state', 'varchar(100)', (col) => col.notNull())
          .addColumn('shipping_zip', 'varchar(20)', (col) => col.notNull())
          .addColumn('tracking_number', 'varchar(64)')
          .addColumn('cancellation_reason', 'varchar(500)')
          .addColumn('payment_status', 'varchar(16)', (col) => col.notNull())
          .addColumn('payment_transaction_id', 'varchar(100)')
          .addColumn('inventory_status', 'varchar(16)', (col) => col.notNull())
          .addColumn('inventory_reservation_id', 'varchar(100)')
          .addColumn('created_at', 'bigint', (col) => col.notNull())
          .addColumn('updated_at', 'bigint', (col) => col.notNull())
          .addColumn('version', 'integer', (col) => col.notNull()),
      ).execute();
      await db.schema
        .createIndex('orders_customer_created')
        .on('orders')
        .columns(['customer_id', 'created_at', 'id'])
        .execute();

      await table(
        db.schema
          .createTable('order_items')
          .addColumn('order_id', 'char(36)', (col) =>
            col.notNull().references('orders.id').onDelete('cascade'),
          )
          .addColumn('line_no', 'integer', (col) => col.notNull())
          .addColumn('product_id', 'varchar(64)', (col) => col.notNull())
          .addColumn('quantity', 'integer', (col) => col.notNull())
          .addColumn('unit_price_minor', 'bigint', (col) => col.notNull())
          .addColumn('line_total_minor', 'bigint', (col) => col.notNull())
          .addPrimaryKeyConstraint('order_items_pk', ['order_id', 'line_no']),
      ).execute();

      await table(
        db.schema
          .createTable('order_status_history')
          .addColumn('order_id', 'char(36)', (col) =>
            col.notNull().references('orders.id').onDelete('cascade'),
          )
          .addColumn('seq', 'integer', (col) => col.notNull())
          .addColumn('status', 'varchar(16)', (col) => col.notNull())
          .addColumn('changed_at', 'bigint', (col) => col.notNull())
          .addColumn('reason', 'varchar(500)')
          .addPrimaryKeyConstraint('order_status_history_pk', ['order_id', 'seq']),
      ).execute();

      await table(
        db.schema
          .createTable('idempotency_keys')
          .addColumn('scope', 'varchar(64)', (col) => col.notNull())
          .addColumn('idempotency_key', 'varchar(255)', (col) => col.notNull())
          .addColumn('request_hash', 'char(64)', (col) => col.notNull())
          .addColumn('status_code', 'integer', (col) => col.notNull())
          .addColumn('response_body', 'text', (col) => col.notNull())
          .addColumn('order_id', 'char(36)', (col) => col.notNull())
          .addColumn('created_at', 'bigint', (col) => col.notNull())
          .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'idempotency_key']),
      ).execute();
      await db.schema
        .createIndex('idempotency_keys_created')
        .on('idempotency_keys')
        .column('created_at')
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const name of ['idempotency_keys', 'order_status_history', 'order_items', 'orders']) {
        await db.schema.dropTable(name).execute();
      }
    },
  };
}

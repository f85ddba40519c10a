import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.js';
import { autoIncrementType, tableOptions } from './helpers.js';

export function messagingMigration(dialect: Dialect) {
  const table = tableOptions(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await table(
        db.schema
          .createTable('outbox')
          .addColumn('id', autoIncrementType(dialect), (col) => col.primaryKey().autoIncrement())
          .addColumn('message_id', 'char(36)', (col) => col.notNull().unique())
          .addColumn('exchange', 'varchar(100)', (col) => col.notNull())
          .addColumn('routing_key', 'varchar(100)', (col) => col.notNull())
          .addColumn('type', 'varchar(100)', (col) => col.notNull())
          .addColumn('correlation_id', 'char(36)', (col) => col.notNull())
          .addColumn('body', 'text', (col) => col.notNull())
          .addColumn('created_at', 'bigint', (col) => col.notNull())
          .addColumn('sent_at', 'bigint')
          .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('last_error', 'varchar(1000)'),
      ).execute();
      // The relay scans unsent rows in id order; sent rows are skipped by the leading column.
      await db.schema.createIndex('outbox_unsent').on('outbox').columns(['sent_at', 'id']).execute();

      await table(
        db.schema
          .createTable('inbox')
          .addColumn('message_id', 'char(36)', (col) => col.primaryKey())
          .addColumn('type', 'varchar(100)', (col) => col.notNull())
          .addColumn('processed_at', 'bigint', (col) => col.notNull()),
      ).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('inbox').execute();
      await db.schema.dropTable('outbox').execute();
    },
  };
}

import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../connection.js';
import { autoIncrementType, tableOptions } from './helpers.js';

/** Dead letters become data (listed, replayed, discarded), and every replay or discard is audited. */
export function deadLettersMigration(dialect: Dialect) {
  const table = tableOptions(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await table(
        db.schema
          .createTable('dead_letters')
          .addColumn('id', 'char(36)', (col) => col.primaryKey())
          // The message's own id: a message dead-lettered again updates its row instead of adding one.
          .addColumn('message_id', 'varchar(255)', (col) => col.notNull().unique())
          .addColumn('type', 'varchar(255)')
          .addColumn('exchange', 'varchar(255)', (col) => col.notNull())
          .addColumn('routing_key', 'varchar(255)', (col) => col.notNull())
          .addColumn('queue', 'varchar(255)', (col) => col.notNull())
          .addColumn('headers', 'text', (col) => col.notNull())
          .addColumn('body', dialect === 'mysql' ? sql`mediumtext` : 'text', (col) => col.notNull())
          .addColumn('error', 'varchar(2000)', (col) => col.notNull())
          .addColumn('attempts', 'integer', (col) => col.notNull())
          .addColumn('first_seen_at', 'bigint', (col) => col.notNull())
          .addColumn('last_seen_at', 'bigint', (col) => col.notNull())
          .addColumn('status', 'varchar(16)', (col) => col.notNull())
          .addColumn('replayed_at', 'bigint'),
      ).execute();
      // The console lists pending letters, newest first.
      await db.schema
        .createIndex('dead_letters_status_seen')
        .on('dead_letters')
        .columns(['status', 'last_seen_at'])
        .execute();

      await table(
        db.schema
          .createTable('dead_letter_audit')
          .addColumn('id', autoIncrementType(dialect), (col) => col.primaryKey().autoIncrement())
          .addColumn('dead_letter_id', 'char(36)', (col) => col.notNull())
          .addColumn('message_id', 'varchar(255)', (col) => col.notNull())
          .addColumn('action', 'varchar(16)', (col) => col.notNull())
          .addColumn('actor', 'varchar(64)', (col) => col.notNull())
          .addColumn('at', 'bigint', (col) => col.notNull())
          .addColumn('detail', 'varchar(1000)'),
      ).execute();
      await db.schema
        .createIndex('dead_letter_audit_letter')
        .on('dead_letter_audit')
        .column('dead_letter_id')
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('dead_letter_audit').execute();
      await db.schema.dropTable('dead_letters').execute();
    },
  };
}

import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.js';
import { tableOptions } from './helpers.js';

export function sagaMigration(dialect: Dialect) {
  const table = tableOptions(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await table(
        db.schema
          .createTable('saga_instances')
          .addColumn('order_id', 'char(36)', (col) => col.primaryKey())
          .addColumn('step', 'varchar(32)', (col) => col.notNull())
          .addColumn('deadline_at', 'bigint')
          .addColumn('started_at', 'bigint', (col) => col.notNull())
          .addColumn('updated_at', 'bigint', (col) => col.notNull()),
      ).execute();
      // The timeout sweeper reads only sagas with a deadline, earliest first.
      await db.schema
        .createIndex('saga_instances_deadline')
        .on('saga_instances')
        .column('deadline_at')
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('saga_instances').execute();
    },
  };
}

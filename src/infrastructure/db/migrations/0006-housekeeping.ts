import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.js';

/** Housekeeping deletes inbox rows by age; without this index each run would scan the whole inbox. */
export function housekeepingMigration(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('inbox_processed_at').on('inbox').column('processed_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      const drop = db.schema.dropIndex('inbox_processed_at');
      await (dialect === 'mysql' ? drop.on('inbox') : drop).execute();
    },
  };
}

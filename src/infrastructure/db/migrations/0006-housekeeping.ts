import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.js';
import { dropIndex } from './helpers.js';

/** Housekeeping deletes inbox rows by age; without this index each run would scan the whole inbox. */
export function housekeepingMigration(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('inbox_processed_at').on('inbox').column('processed_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await dropIndex(db, dialect, 'inbox_processed_at', 'inbox');
    },
  };
}

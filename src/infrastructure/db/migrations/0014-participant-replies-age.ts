import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.js';
import { dropIndex } from './helpers.js';

/**
 * The participants' cleaner deletes replies by age every minute; without this index each run read
 * the whole table, which holds a week of replies (two per order): 118 ms at 200,000 rows with
 * nothing to delete, against 0.1 ms with it (docs/benchmarks.md), and growing with the table.
 */
export function participantRepliesAgeMigration(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('participant_replies_created_at')
        .on('participant_replies')
        .column('created_at')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await dropIndex(db, dialect, 'participant_replies_created_at', 'participant_replies');
    },
  };
}

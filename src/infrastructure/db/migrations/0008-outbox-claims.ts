import type { Kysely } from 'kysely';

/**
 * A relay claims unsent rows for a while (`claimed_until`, epoch ms) instead of holding their row
 * locks across the broker round trip; a relay that dies leaves the claim to expire.
 */
export function outboxClaimsMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('outbox').addColumn('claimed_until', 'bigint').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('outbox').dropColumn('claimed_until').execute();
    },
  };
}

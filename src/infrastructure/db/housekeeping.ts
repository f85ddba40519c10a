import { type Kysely, sql } from 'kysely';
import type { Dialect } from './connection.js';
import type { Database } from './schema.js';

export interface Retention {
  /** Sent outbox rows: kept for inspection and for the payment-duration metric's lookup. */
  sentOutboxMs: number;
  /** Inbox rows: a duplicate must arrive within this window to be recognised. */
  inboxMs: number;
  /** Idempotency keys: a client may replay a POST this long after the first. */
  idempotencyKeysMs: number;
}

export const defaultRetention: Retention = {
  sentOutboxMs: 60 * 60 * 1000,
  inboxMs: 7 * 24 * 60 * 60 * 1000,
  idempotencyKeysMs: 24 * 60 * 60 * 1000,
};

/**
 * Deletes what has outlived its use, a bounded batch per table and run so that no run holds
 * locks for long; returns true while a table had more to delete. Safe with several instances:
 * deleting a row twice deletes nothing.
 */
export function housekeeping(options: {
  db: Kysely<Database>;
  dialect: Dialect;
  now: () => number;
  retention: Retention;
  batchSize?: number;
}) {
  const { db, dialect, now, retention, batchSize = 1000 } = options;

  // MySQL deletes with LIMIT directly; SQLite (without its LIMIT extension) deletes by rowid.
  const purge = async (
    table: 'outbox' | 'inbox' | 'idempotency_keys',
    column: 'sent_at' | 'processed_at' | 'created_at',
    before: number,
  ): Promise<number> => {
    if (dialect === 'mysql') {
      const result = await db
        .deleteFrom(table)
        .where(column, '<', before)
        .limit(batchSize)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    }
    const result = await sql`delete from ${sql.table(table)} where rowid in (
      select rowid from ${sql.table(table)} where ${sql.ref(column)} < ${before} limit ${batchSize})`.execute(
      db,
    );
    return Number(result.numAffectedRows ?? 0);
  };

  return async function purgeExpired(): Promise<boolean> {
    const at = now();
    const deleted = [
      await purge('outbox', 'sent_at', at - retention.sentOutboxMs),
      await purge('inbox', 'processed_at', at - retention.inboxMs),
      await purge('idempotency_keys', 'created_at', at - retention.idempotencyKeysMs),
    ];
    return deleted.some((count) => count === batchSize);
  };
}

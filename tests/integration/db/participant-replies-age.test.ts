import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../../src/application/messaging/contract.js';
import { migrateToLatest } from '../../../src/infrastructure/db/migrate.js';
import {
  purgeOldReplies,
  replyLedger,
  replyRetentionMs,
} from '../../../src/infrastructure/participants/ledger.js';
import { connectTestDatabase } from '../../support/database.js';
import { requireMariaDb } from '../../support/services.js';

const available = await requireMariaDb();

/**
 * The cleaner runs every minute over a week of replies: it must find the old ones by index, not by
 * reading every reply. MariaDB's own plan for the purge's statement says which it does.
 */
describe.skipIf(!available)('participant replies purge on MariaDB', () => {
  let connection: Awaited<ReturnType<typeof connectTestDatabase>>;
  const now = 10 * replyRetentionMs;
  beforeAll(async () => {
    connection = await connectTestDatabase('mysql');
    await migrateToLatest(connection.handle);
    const reply = { messageId: 'r', type: 'inventory.released' } as unknown as Reply;
    for (let i = 0; i < 300; i += 1) {
      // Nine in ten are recent: the purge's usual case, with little or nothing to delete.
      const at = i % 10 === 0 ? now - replyRetentionMs - 1 - i : now - i;
      await replyLedger('inventory', () => at)
        .recordingOf(connection.handle.db, `cmd-${i}`, reply)
        .execute();
    }
    await sql`analyze table participant_replies`.execute(connection.handle.db);
  });
  afterAll(async () => connection?.close());

  it('reads only the replies past their retention, by the created_at index, and deletes exactly those', async () => {
    const plan = await sql<{ key: string | null; type: string; rows: number }>`
      explain delete from participant_replies where created_at < ${now - replyRetentionMs} limit 1000`.execute(
      connection.handle.db,
    );
    expect(plan.rows[0]?.key).toBe('participant_replies_created_at');
    expect(plan.rows[0]?.type).toBe('range');

    expect(await purgeOldReplies(connection.handle, () => now)()).toBe(false);
    const left = await connection.handle.db
      .selectFrom('participant_replies')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(left.n)).toBe(270);
  });
});

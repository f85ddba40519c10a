import { type Kysely, sql, type Transaction } from 'kysely';
import type { Reply } from '../../application/messaging/contract.js';
import type { DatabaseHandle } from '../db/connection.js';
import { groupCommit } from '../db/group-commit.js';
import type { Database } from '../db/schema.js';
import { isDatabaseUnavailable, isTransientConflict, isUniqueViolation } from '../db/sql-errors.js';
import { type StatementBatch, statementBatch } from '../db/statement-batch.js';

/** Where a simulated participant keeps what it did: the service's database (embedded) or its own. */
export type ParticipantStore = Pick<DatabaseHandle, 'db' | 'dialect'>;

export type ParticipantName = 'inventory' | 'payment';

/** Rounds of one decision before giving up and letting the broker redeliver the command. */
const maxRounds = 8;

type Decision<T> = (trx: Transaction<Database>, writes: StatementBatch) => Promise<T>;

/**
 * Decides and records in one transaction, so what a participant did and the record of it commit
 * together or not at all. Writes queued on `writes` are sent once each decision is made, before
 * the next one decides, so it reads what the earlier ones did (the stock two orders both want).
 * When a concurrent copy of a command claimed the same business key first (a unique key) or the
 * database aborted the transaction for a conflict, the whole transaction runs again from the start
 * and then finds what the other copy recorded.
 */
async function decideInOrder(
  store: ParticipantStore,
  decisions: readonly Decision<unknown>[],
): Promise<unknown[]> {
  for (let round = 1; ; round += 1) {
    try {
      return await store.db.transaction().execute(async (trx) => {
        const results: unknown[] = [];
        for (const [index, decide] of decisions.entries()) {
          const writes = statementBatch(trx, store.dialect);
          results.push(await decide(trx, writes));
          // The last decision's writes take the COMMIT with them where they can.
          const last = index === decisions.length - 1;
          await writes.run({ commit: last && writes.canCommit() });
        }
        return results;
      });
    } catch (error) {
      if (round >= maxRounds || !(isUniqueViolation(error) || isTransientConflict(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * round));
    }
  }
}

/**
 * A participant's decisions, each decided and recorded once (decideInOrder). Those that arrive
 * while the store is busy share a transaction (group commit, group-commit.ts): at saturation a
 * participant's BEGIN and COMMIT are paid once per group; a group that still fails runs each
 * decision again alone.
 */
export function sharedDecisions(store: ParticipantStore): <T>(decide: Decision<T>) => Promise<T> {
  const shared = groupCommit<Decision<unknown>, unknown>({
    together: (decisions) => decideInOrder(store, decisions),
    worthRunningAlone: (error) => !isDatabaseUnavailable(error),
  });
  return <T>(decide: Decision<T>) => shared(decide) as Promise<T>;
}

/**
 * Locking reads on MySQL/MariaDB, so a decision reads the latest committed row and holds it until
 * it commits; SQLite runs one write transaction at a time and has no FOR UPDATE.
 */
export function lockingRead(store: ParticipantStore) {
  return <Q extends { forUpdate(): Q }>(query: Q): Q =>
    store.dialect === 'mysql' ? query.forUpdate() : query;
}

/** The reply a participant sent per command, so a redelivered command is answered with the very same message. */
export function replyLedger(participant: ParticipantName, now: () => number = Date.now) {
  /** The read of find, for a caller that sends it with its own reads; replyFrom reads its rows. */
  const findRead = (db: Kysely<Database>, messageId: string) =>
    db
      .selectFrom('participant_replies')
      .select('reply')
      .where('participant', '=', participant)
      .where('message_id', '=', messageId);
  const replyFrom = (rows: readonly unknown[]): Reply | undefined => {
    const row = rows[0] as { reply: string } | undefined;
    return row ? (JSON.parse(row.reply) as Reply) : undefined;
  };
  return {
    findRead,
    replyFrom,
    async find(db: Kysely<Database>, messageId: string): Promise<Reply | undefined> {
      return replyFrom(await findRead(db, messageId).execute());
    },
    /** The insert that records the reply, to execute or to queue with the decision's writes. */
    recordingOf(db: Kysely<Database>, messageId: string, reply: Reply) {
      return db
        .insertInto('participant_replies')
        .values({ participant, message_id: messageId, reply: JSON.stringify(reply), created_at: now() });
    },
  };
}

/** A redelivery or a repeated command comes within minutes; a week is the inbox's window too. */
export const replyRetentionMs = 7 * 24 * 60 * 60 * 1000;

/**
 * Deletes replies older than the retention, a bounded batch per run so no run holds locks for
 * long; returns true while more are left. The reservations and charges themselves stay: they are
 * the simulated stock and card gateway's records, as a real one keeps them.
 */
export function purgeOldReplies(store: ParticipantStore, now: () => number = Date.now, batchSize = 1000) {
  return async (): Promise<boolean> => {
    const before = now() - replyRetentionMs;
    if (store.dialect === 'mysql') {
      const result = await store.db
        .deleteFrom('participant_replies')
        .where('created_at', '<', before)
        .limit(batchSize)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === batchSize;
    }
    // SQLite without its LIMIT extension deletes by rowid.
    const result = await sql`delete from participant_replies where rowid in (
      select rowid from participant_replies where created_at < ${before} limit ${batchSize})`.execute(
      store.db,
    );
    return Number(result.numAffectedRows ?? 0) === batchSize;
  };
}

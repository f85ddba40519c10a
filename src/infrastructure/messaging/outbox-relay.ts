import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Envelope } from '../../application/messaging/contract.js';
import type { Dialect } from '../db/connection.js';
import type { Database } from '../db/schema.js';
import type { MessageBus } from './bus.js';

export interface OutboxRelayOptions {
  db: Kysely<Database>;
  dialect: Dialect;
  bus: Pick<MessageBus, 'publish'>;
  batchSize: number;
  now: () => number;
  logger: Logger;
}

/**
 * Publishes committed outbox rows and marks them sent only after the broker confirmed them.
 * Several instances may relay at once: each claims its batch with FOR UPDATE SKIP LOCKED, so a
 * row is published once in the normal case (at least once if an instance dies after the confirm
 * and before its commit; consumers drop the duplicate by messageId).
 */
export function createOutboxRelay(options: OutboxRelayOptions) {
  const { db, dialect, bus, batchSize, now, logger } = options;

  /** Publishes one batch; true when the batch was full, so there may be more. */
  async function publishBatch(): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('outbox')
        .select(['id', 'exchange', 'routing_key', 'body'])
        .where('sent_at', 'is', null)
        .orderBy('id')
        .limit(batchSize)
        .$if(dialect === 'mysql', (query) => query.forUpdate().skipLocked())
        .execute();
      if (rows.length === 0) return false;
      // Published in id order on one channel; confirms are awaited together.
      const results = await Promise.allSettled(
        rows.map((row) =>
          bus.publish({
            exchange: row.exchange,
            routingKey: row.routing_key,
            envelope: JSON.parse(row.body) as Envelope,
          }),
        ),
      );
      const sent = rows.filter((_, index) => results[index]?.status === 'fulfilled').map((row) => row.id);
      if (sent.length > 0)
        await trx.updateTable('outbox').set({ sent_at: now() }).where('id', 'in', sent).execute();
      const failures = results.flatMap((result, index) =>
        result.status === 'rejected' ? [{ id: rows[index]?.id ?? 0, error: String(result.reason) }] : [],
      );
      for (const failure of failures) {
        await trx
          .updateTable('outbox')
          .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: failure.error.slice(0, 1000) }))
          .where('id', '=', failure.id)
          .execute();
      }
      if (failures.length > 0) logger.warn({ failed: failures.length }, 'outbox publish failed; will retry');
      return failures.length === 0 && rows.length === batchSize;
    });
  }

  /** Unsent messages and the age of the oldest, for metrics and readiness. */
  async function backlog(): Promise<{ count: number; oldestAgeSeconds: number }> {
    const row = await db
      .selectFrom('outbox')
      .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min<number>('created_at').as('oldest')])
      .where('sent_at', 'is', null)
      .executeTakeFirstOrThrow();
    const oldest = row.oldest === null ? null : Number(row.oldest);
    return {
      count: Number(row.count),
      oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (now() - oldest) / 1000),
    };
  }

  return { publishBatch, backlog };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;

import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * What the operations page reads from the database: open sagas whose awaited command left more
 * than a step timeout ago (the sweeper should have acted on them). A command still waiting in the
 * outbox is not stuck in its participant; the outbox backlog reports that.
 */
export function stuckSagas(db: Kysely<Database>, now: () => number, stepTimeoutMs: number) {
  return async (limit = 50) => {
    const at = now();
    const rows = await db
      .selectFrom('saga_instances as s')
      .innerJoin('outbox as o', 'o.message_id', 's.awaiting_message_id')
      .select([
        's.order_id as orderId',
        'o.type as awaiting',
        'o.sent_at as sentAt',
        's.started_at as startedAt',
      ])
      .where('o.sent_at', 'is not', null)
      .where('o.sent_at', '<', at - stepTimeoutMs)
      .orderBy('o.sent_at')
      .limit(limit)
      .execute();
    return rows.map((row) => {
      const deadlineAt = Number(row.sentAt) + stepTimeoutMs;
      return {
        orderId: row.orderId,
        step: row.awaiting,
        deadlineAt: new Date(deadlineAt).toISOString(),
        startedAt: new Date(Number(row.startedAt)).toISOString(),
        overdueSeconds: (at - deadlineAt) / 1000,
      };
    });
  };
}

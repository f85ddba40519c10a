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

/**
 * What the operations page shows of shipments' stock commits: how many still await a reply
 * (some of them being retried), and the shipments given up as COMMIT_FAILED, newest first. The
 * goods of a failed one left the warehouse, but the inventory service may still hold them as
 * reserved: someone has to check and reconcile.
 */
export function stockCommitProblems(db: Kysely<Database>) {
  return async (limit = 50) => {
    const open = await db
      .selectFrom('stock_commit_timers')
      .select((eb) => [
        eb.fn.countAll<number>().as('count'),
        eb.fn.sum<number>(eb.case().when('attempt', '>', 1).then(1).else(0).end()).as('retrying'),
      ])
      .where('failed_at', 'is', null)
      .executeTakeFirstOrThrow();
    const failed = await db
      .selectFrom('stock_commit_timers')
      .select(['order_id as orderId', 'shipment_id as shipmentId', 'attempt', 'failed_at as failedAt'])
      .where('failed_at', 'is not', null)
      .orderBy('failed_at', 'desc')
      .limit(limit)
      .execute();
    return {
      awaiting: Number(open.count),
      retrying: Number(open.retrying ?? 0),
      failed: failed.map((row) => ({
        orderId: row.orderId,
        shipmentId: row.shipmentId,
        attempts: Number(row.attempt),
        failedAt: new Date(Number(row.failedAt)).toISOString(),
      })),
    };
  };
}

import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** What the operations page reads from the database: sagas still open past their step deadline. */
export function stuckSagas(db: Kysely<Database>, now: () => number) {
  return async (limit = 50) => {
    const at = now();
    const rows = await db
      .selectFrom('saga_instances')
      .select(['order_id', 'step', 'deadline_at', 'started_at'])
      .where('deadline_at', 'is not', null)
      .where('deadline_at', '<', at)
      .where('step', 'not in', ['COMPLETED', 'CANCELLED'])
      .orderBy('deadline_at')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      orderId: row.order_id,
      step: row.step,
      deadlineAt: new Date(Number(row.deadline_at)).toISOString(),
      startedAt: new Date(Number(row.started_at)).toISOString(),
      overdueSeconds: (at - Number(row.deadline_at)) / 1000,
    }));
  };
}

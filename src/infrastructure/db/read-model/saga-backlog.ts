import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface SagaBacklog {
  pending: number;
  /** When the count began: orders committed before then are in it. */
  readAt: number;
}

/**
 * How many orders wait for their saga: PENDING orders in the read model, which commits with the
 * write. One count over the (status, created_at, id) index, read on the primary so a burst of
 * POSTs is seen at once. Shared by every instance, so the limit holds for the whole deployment.
 */
export function sagaBacklog(db: Kysely<Database>, now: () => number = Date.now): () => Promise<SagaBacklog> {
  return async () => {
    // The time the count begins: an order committed before it is counted, one after may not be.
    const readAt = now();
    const row = await db
      .selectFrom('order_summaries')
      .select((eb) => eb.fn.countAll<number | string>().as('pending'))
      .where('status', '=', 'PENDING')
      .executeTakeFirstOrThrow();
    return { pending: Number(row.pending), readAt };
  };
}

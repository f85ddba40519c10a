import type { Kysely } from 'kysely';
import type { Dialect } from './connection.js';
import type { Database } from './schema.js';

/**
 * Keeps the due work whose orders this instance could lock now, skipping orders another instance
 * is working on (FOR UPDATE SKIP LOCKED): the order's row is the guard of its saga and its
 * shipments' timers. SQLite runs one writer at a time, so there everything is kept.
 */
export async function claimOrders<T extends { orderId: string }>(
  trx: Kysely<Database>,
  dialect: Dialect,
  due: T[],
): Promise<T[]> {
  if (dialect === 'sqlite' || due.length === 0) return due;
  const locked = await trx
    .selectFrom('orders')
    .select('id')
    .where(
      'id',
      'in',
      due.map((item) => item.orderId),
    )
    .forUpdate()
    .skipLocked()
    .execute();
  const ids = new Set(locked.map((row) => row.id));
  return due.filter((item) => ids.has(item.orderId));
}

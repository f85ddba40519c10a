import type { Kysely } from 'kysely';
import type { OrderState } from '../../domain/order.js';
import type { Dialect } from './connection.js';
import { toHistoryRows, toItemRows, toOrderRow } from './order-rows.js';
import {
  currentFacts,
  mergeDeltas,
  productRows,
  rollupContribution,
  summaryRow,
} from './read-model/read-rows.js';
import { applyRollupDeltas } from './read-model/rollups.js';
import type { Database } from './schema.js';

/** Rows per INSERT: under SQLite's 32,766 bound variables for the widest table and small MySQL packets. */
const rowsPerStatement = 1000;

/**
 * Stores finished orders with multi-row INSERTs, bypassing the unit of work for speed (seeder,
 * test fixtures). Write tables and read model get exactly the rows the repository and the
 * projector would write, built by the same functions; no outbox rows, since these orders are
 * history, not news. Run it inside a transaction to make a batch atomic.
 */
export async function insertOrdersInBulk(
  db: Kysely<Database>,
  dialect: Dialect,
  orders: readonly Readonly<OrderState>[],
): Promise<void> {
  if (orders.length === 0) return;
  await inChunks(orders.map(toOrderRow), (rows) => db.insertInto('orders').values(rows).execute());
  await inChunks(orders.flatMap(toItemRows), (rows) => db.insertInto('order_items').values(rows).execute());
  await inChunks(
    orders.flatMap((order) => toHistoryRows(order)),
    (rows) => db.insertInto('order_status_history').values(rows).execute(),
  );
  await inChunks(orders.map(summaryRow), (rows) => db.insertInto('order_summaries').values(rows).execute());
  await inChunks(orders.flatMap(productRows), (rows) =>
    db.insertInto('order_products').values(rows).execute(),
  );
  const deltas = mergeDeltas(orders.map((order) => rollupContribution(order, currentFacts(order), 1)));
  // Table after table, each in key order: concurrent batches lock shared rows (a week's best
  // sellers, a frequent customer) in one global order, so they queue instead of deadlocking.
  const none = mergeDeltas([]);
  await inChunks(deltas.stats, (stats) => applyRollupDeltas(db, dialect, { ...none, stats }));
  await inChunks(deltas.sales, (sales) => applyRollupDeltas(db, dialect, { ...none, sales }));
  await inChunks(deltas.weeklySales, (weeklySales) =>
    applyRollupDeltas(db, dialect, { ...none, weeklySales }),
  );
  await inChunks(deltas.customers, (customers) => applyRollupDeltas(db, dialect, { ...none, customers }));
}

async function inChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    await insert(rows.slice(start, start + rowsPerStatement));
  }
}

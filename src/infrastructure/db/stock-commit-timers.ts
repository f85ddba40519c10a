import { type Kysely, sql } from 'kysely';
import type { StockCommitTimer, StockCommitTimers } from '../../application/ports.js';
import type { Dialect } from './connection.js';
import { claimOrders } from './order-claims.js';
import type { Database, StockCommitTimersTable } from './schema.js';

export interface QueuedStockCommitTimers extends StockCommitTimers {
  /** Whether `flush` has anything to write. */
  pending(): boolean;
  flush(): Promise<void>;
}

const key = (orderId: string, shipmentId: string) => `${orderId}\u0000${shipmentId}`;

function fromRow(row: StockCommitTimersTable): StockCommitTimer {
  return {
    orderId: row.order_id,
    shipmentId: row.shipment_id,
    awaitingMessageId: row.awaiting_message_id,
    attempt: Number(row.attempt),
    timeoutMs: Number(row.timeout_ms),
    startedAt: new Date(Number(row.started_at)),
    updatedAt: new Date(Number(row.updated_at)),
    failedAt: row.failed_at === null ? null : new Date(Number(row.failed_at)),
  };
}

/** Stock commit timer rows; writes are queued and done by `flush`, after the orders they belong to. */
export function stockCommitTimers(trx: Kysely<Database>, dialect: Dialect): QueuedStockCommitTimers {
  const writes = new Map<string, { orderId: string; shipmentId: string; timer: StockCommitTimer | null }>();

  return {
    async find(orderId, shipmentId) {
      const row = await trx
        .selectFrom('stock_commit_timers')
        .selectAll()
        .where('order_id', '=', orderId)
        .where('shipment_id', '=', shipmentId)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    save(timer) {
      writes.set(key(timer.orderId, timer.shipmentId), {
        orderId: timer.orderId,
        shipmentId: timer.shipmentId,
        timer,
      });
    },

    end(orderId, shipmentId) {
      writes.set(key(orderId, shipmentId), { orderId, shipmentId, timer: null });
    },

    async claimDue(now, limit) {
      // As for saga steps, the wait runs from the broker's confirm of the awaited command (the
      // relay sets sent_at then): a command still in the outbox is never late, and a sent row
      // removed by housekeeping is long past any deadline. Few rows are ever open (one per
      // shipment awaiting its reply), so the arithmetic on the join needs no index.
      const due = await trx
        .selectFrom('stock_commit_timers as t')
        .leftJoin('outbox as o', 'o.message_id', 't.awaiting_message_id')
        .selectAll('t')
        .where('t.failed_at', 'is', null)
        .where((eb) =>
          eb.or([eb(sql<number>`o.sent_at + t.timeout_ms`, '<=', now.getTime()), eb('o.id', 'is', null)]),
        )
        .orderBy('t.updated_at')
        .limit(limit)
        .execute();
      return claimOrders(trx, dialect, due.map(fromRow));
    },

    pending: () => writes.size > 0,

    async flush() {
      for (const { orderId, shipmentId, timer } of writes.values()) {
        if (timer === null) {
          await trx
            .deleteFrom('stock_commit_timers')
            .where('order_id', '=', orderId)
            .where('shipment_id', '=', shipmentId)
            .execute();
          continue;
        }
        const values = {
          awaiting_message_id: timer.awaitingMessageId,
          attempt: timer.attempt,
          timeout_ms: timer.timeoutMs,
          updated_at: timer.updatedAt.getTime(),
          failed_at: timer.failedAt?.getTime() ?? null,
        };
        // Insert or replace: a shipment is created once, and its timer is then only moved on.
        const updated = await trx
          .updateTable('stock_commit_timers')
          .set(values)
          .where('order_id', '=', orderId)
          .where('shipment_id', '=', shipmentId)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) {
          await trx
            .insertInto('stock_commit_timers')
            .values({
              order_id: orderId,
              shipment_id: shipmentId,
              started_at: timer.startedAt.getTime(),
              ...values,
            })
            .execute();
        }
      }
      writes.clear();
    },
  };
}

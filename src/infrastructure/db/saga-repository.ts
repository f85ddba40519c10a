import type { Compilable, Kysely, Selectable } from 'kysely';
import type { SagaRepository, SagaState } from '../../application/ports.js';
import type { Dialect } from './connection.js';
import { claimOrders } from './order-claims.js';
import type { Database, SagaInstancesTable } from './schema.js';
import type { StatementBatch } from './statement-batch.js';

export interface QueuedSagas extends SagaRepository {
  flush(writes: StatementBatch): void;
  /** The read of an order's saga row, for a caller that sends it with its own reads. */
  rowRead(orderId: string): Compilable;
  /** What rowRead returned, read under the order's lock: find() answers from it without a round trip. */
  preload(orderId: string, rows: readonly unknown[]): void;
}

/** Saga timer rows; writes are queued and handed to the batch by `flush`, after the orders they belong to. */
export function sagaRepository(trx: Kysely<Database>, dialect: Dialect): QueuedSagas {
  const writes = new Map<string, SagaState | null>();
  const known = new Set<string>();
  const preloaded = new Map<string, Selectable<SagaInstancesTable> | undefined>();
  const rowRead = (orderId: string) =>
    trx.selectFrom('saga_instances').selectAll().where('order_id', '=', orderId);

  return {
    rowRead,
    preload(orderId, rows) {
      preloaded.set(orderId, rows[0] as Selectable<SagaInstancesTable> | undefined);
    },

    async find(orderId) {
      // Preloaded with the order's locking read; every writer of a saga row holds that lock.
      const row = preloaded.has(orderId) ? preloaded.get(orderId) : await rowRead(orderId).executeTakeFirst();
      if (!row) return undefined;
      known.add(orderId);
      return {
        orderId: row.order_id,
        awaitingMessageId: row.awaiting_message_id,
        startedAt: new Date(Number(row.started_at)),
        updatedAt: new Date(Number(row.updated_at)),
      };
    },

    save(saga) {
      writes.set(saga.orderId, saga);
    },

    end(orderId) {
      writes.set(orderId, null);
    },

    async claimTimedOut(sentBefore, limit) {
      // The deadline runs from the broker's confirm of the awaited command (the relay sets
      // sent_at then); a command still waiting in the outbox is never late. A sent row removed by
      // housekeeping is long past any deadline.
      const due = await trx
        .selectFrom('saga_instances as s')
        .leftJoin('outbox as o', 'o.message_id', 's.awaiting_message_id')
        .select(['s.order_id as orderId', 's.awaiting_message_id as awaitingMessageId'])
        .where((eb) => eb.or([eb('o.sent_at', '<=', sentBefore.getTime()), eb('o.id', 'is', null)]))
        .orderBy('s.updated_at')
        .limit(limit)
        .execute();
      return claimOrders(trx, dialect, due);
    },

    flush(batch) {
      // Sagas that start or end together (a shared transaction's) are one statement each way.
      const ended: string[] = [];
      const started: SagaState[] = [];
      for (const [orderId, saga] of writes) {
        if (saga === null) ended.push(orderId);
        else if (!known.has(orderId)) started.push(saga);
        else {
          batch.update(
            'saga_instances',
            { awaiting_message_id: saga.awaitingMessageId, updated_at: saga.updatedAt.getTime() },
            { order_id: orderId },
          );
        }
      }
      if (ended.length > 0) batch.add(trx.deleteFrom('saga_instances').where('order_id', 'in', ended));
      batch.insert(
        'saga_instances',
        started.map((saga) => ({
          order_id: saga.orderId,
          awaiting_message_id: saga.awaitingMessageId,
          started_at: saga.startedAt.getTime(),
          updated_at: saga.updatedAt.getTime(),
        })),
      );
      for (const saga of started) known.add(saga.orderId);
      writes.clear();
    },
  };
}

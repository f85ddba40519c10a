import type { Kysely, Selectable } from 'kysely';
import type { SagaRepository, SagaState, SagaStep } from '../../application/ports.js';
import type { Dialect } from './connection.js';
import type { Database, SagaInstancesTable } from './schema.js';

export function sagaRepository(trx: Kysely<Database>, dialect: Dialect): SagaRepository {
  return {
    async insert(saga) {
      await trx.insertInto('saga_instances').values(toRow(saga)).execute();
    },

    async find(orderId) {
      const row = await trx
        .selectFrom('saga_instances')
        .selectAll()
        .where('order_id', '=', orderId)
        .executeTakeFirst();
      return row && toState(row);
    },

    async update(saga) {
      const { order_id: _orderId, started_at: _startedAt, ...changes } = toRow(saga);
      await trx.updateTable('saga_instances').set(changes).where('order_id', '=', saga.orderId).execute();
    },

    async claimTimedOut(now, limit) {
      const due = await trx
        .selectFrom('saga_instances')
        .select('order_id')
        .where('deadline_at', '<=', now.getTime())
        .orderBy('deadline_at')
        .limit(limit)
        .execute();
      const ids = due.map((row) => row.order_id);
      if (dialect === 'sqlite' || ids.length === 0) return ids;
      // Lock the orders (the saga's guard), skipping those another instance is working on.
      const locked = await trx
        .selectFrom('orders')
        .select('id')
        .where('id', 'in', ids)
        .forUpdate()
        .skipLocked()
        .execute();
      return locked.map((row) => row.id);
    },
  };
}

function toRow(saga: SagaState): SagaInstancesTable {
  return {
    order_id: saga.orderId,
    step: saga.step,
    deadline_at: saga.deadlineAt?.getTime() ?? null,
    started_at: saga.startedAt.getTime(),
    updated_at: saga.updatedAt.getTime(),
  };
}

function toState(row: Selectable<SagaInstancesTable>): SagaState {
  return {
    orderId: row.order_id,
    step: row.step as SagaStep,
    deadlineAt: row.deadline_at === null ? null : new Date(Number(row.deadline_at)),
    startedAt: new Date(Number(row.started_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

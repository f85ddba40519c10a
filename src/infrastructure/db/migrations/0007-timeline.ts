import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../connection.js';
import { autoIncrementType, tableOptions } from './helpers.js';

/**
 * Status history holds status changes only, each with who made it and the message that caused it;
 * saga progress moves to its own per-order timeline. The saga row keeps only the step's timer:
 * the command whose reply it awaits (its deadline runs from that outbox row's sent time).
 * Rows written before this migration keep their step notes in the history.
 */
export function timelineMigration(dialect: Dialect) {
  const table = tableOptions(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('order_status_history').addColumn('changed_by', 'varchar(16)').execute();
      await db.schema.alterTable('order_status_history').addColumn('causation_id', 'char(36)').execute();

      await table(
        db.schema
          .createTable('order_timeline')
          .addColumn('id', autoIncrementType(dialect), (col) => col.primaryKey().autoIncrement())
          .addColumn('order_id', 'char(36)', (col) => col.notNull())
          .addColumn('occurred_at', 'bigint', (col) => col.notNull())
          .addColumn('kind', 'varchar(32)', (col) => col.notNull())
          .addColumn('message_type', 'varchar(100)')
          .addColumn('message_id', 'char(36)')
          .addColumn('detail', 'varchar(500)'),
      ).execute();
      await db.schema
        .createIndex('order_timeline_order')
        .on('order_timeline')
        .columns(['order_id', 'id'])
        .execute();

      await db.schema.alterTable('saga_instances').renameTo('saga_instances_0003').execute();
      await table(
        db.schema
          .createTable('saga_instances')
          .addColumn('order_id', 'char(36)', (col) => col.primaryKey())
          .addColumn('awaiting_message_id', 'char(36)', (col) => col.notNull())
          .addColumn('started_at', 'bigint', (col) => col.notNull())
          .addColumn('updated_at', 'bigint', (col) => col.notNull()),
      ).execute();
      // A saga in flight awaits the latest command of its step.
      await sql`
        insert into saga_instances (order_id, awaiting_message_id, started_at, updated_at)
        select s.order_id, o.message_id, s.started_at, s.updated_at
        from saga_instances_0003 s
        join outbox o on o.correlation_id = s.order_id
          and o.type = case s.step when 'RESERVING_INVENTORY' then 'inventory.reserve' else 'payment.process' end
        where s.step in ('RESERVING_INVENTORY', 'PROCESSING_PAYMENT')`.execute(db);
      await db.schema.dropTable('saga_instances_0003').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('saga_instances').execute();
      await table(
        db.schema
          .createTable('saga_instances')
          .addColumn('order_id', 'char(36)', (col) => col.primaryKey())
          .addColumn('step', 'varchar(32)', (col) => col.notNull())
          .addColumn('deadline_at', 'bigint')
          .addColumn('started_at', 'bigint', (col) => col.notNull())
          .addColumn('updated_at', 'bigint', (col) => col.notNull()),
      ).execute();
      await db.schema.dropTable('order_timeline').execute();
      await db.schema.alterTable('order_status_history').dropColumn('causation_id').execute();
      await db.schema.alterTable('order_status_history').dropColumn('changed_by').execute();
    },
  };
}

import type { Kysely } from 'kysely';
import type { Inbox, Outbox, OutboxMessage } from '../../application/ports.js';
import type { Database } from './schema.js';
import { isUniqueViolation } from './sql-errors.js';

/**
 * Writes outbox rows. `claimUntil` (the relay's fast path) may claim the new rows for this
 * instance, which then publishes them right after commit; `written` collects what was added.
 */
export function outboxWriter(
  trx: Kysely<Database>,
  now: () => number,
  claimUntil: number | null = null,
  written: OutboxMessage[] = [],
): Outbox {
  return {
    async add(messages) {
      if (messages.length === 0) return;
      const createdAt = now();
      written.push(...messages);
      await trx
        .insertInto('outbox')
        .values(
          messages.map(({ exchange, routingKey, envelope }) => ({
            message_id: envelope.messageId,
            exchange,
            routing_key: routingKey,
            type: envelope.type,
            correlation_id: envelope.correlationId,
            body: JSON.stringify(envelope),
            created_at: createdAt,
            sent_at: null,
            claimed_until: claimUntil,
            last_error: null,
          })),
        )
        .execute();
    },
  };
}

export function inboxWriter(trx: Kysely<Database>, now: () => number): Inbox {
  return {
    async markProcessed(messageId, type) {
      try {
        await trx.insertInto('inbox').values({ message_id: messageId, type, processed_at: now() }).execute();
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },
  };
}

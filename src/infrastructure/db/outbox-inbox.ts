import type { Kysely } from 'kysely';
import type { Inbox, Outbox } from '../../application/ports.js';
import type { Database } from './schema.js';
import { isUniqueViolation } from './sql-errors.js';

export function outboxWriter(trx: Kysely<Database>, now: () => number): Outbox {
  return {
    async add(messages) {
      if (messages.length === 0) return;
      const createdAt = now();
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

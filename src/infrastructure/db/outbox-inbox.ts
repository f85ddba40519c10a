import type { Kysely } from 'kysely';
import type { RoutedMessage } from '../../application/messaging/contract.js';
import type { Inbox, Outbox, Timeline, TimelineEntry } from '../../application/ports.js';
import { withTraceparent } from '../observability/trace-context.js';
import type { Database } from './schema.js';
import type { StatementBatch, WritesAhead } from './statement-batch.js';

export interface QueuedOutbox extends Outbox {
  flush(writes: StatementBatch): void;
}

/**
 * Outbox rows of one unit of work, written with one multi-row INSERT in its closing batch. `claimUntil`
 * (the relay's fast path) may claim the new rows for this instance, which then publishes them
 * right after commit; `written` collects what was inserted.
 */
export function outboxWriter(
  trx: Kysely<Database>,
  now: () => number,
  claimUntil: number | null = null,
  written: RoutedMessage[] = [],
): QueuedOutbox {
  const queued: RoutedMessage[] = [];
  return {
    add(messages) {
      queued.push(...messages);
    },

    async withdraw(messageId) {
      const queuedAt = queued.findIndex((message) => message.envelope.messageId === messageId);
      if (queuedAt >= 0) {
        queued.splice(queuedAt, 1);
        return true;
      }
      // A row the relay has claimed may be on its way to the broker already; its reply then
      // arrives for a withdrawn command and is undone as an unrequested effect.
      const result = await trx
        .deleteFrom('outbox')
        .where('message_id', '=', messageId)
        .where('sent_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    flush(writes) {
      if (queued.length === 0) return;
      const createdAt = now();
      // Written inside a request's or a reply's span, each message continues that trace.
      const messages = queued.map((message) => ({ ...message, envelope: withTraceparent(message.envelope) }));
      written.push(...messages);
      writes.insert(
        'outbox',
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
      );
      queued.length = 0;
    },
  };
}

export interface QueuedTimeline extends Timeline {
  flush(writes: StatementBatch): void;
}

export function timelineWriter(): QueuedTimeline {
  const queued: Array<{ orderId: string; entry: TimelineEntry }> = [];
  return {
    add(orderId, entries) {
      for (const entry of entries) queued.push({ orderId, entry });
    },
    flush(writes) {
      if (queued.length === 0) return;
      writes.insert(
        'order_timeline',
        queued.map(({ orderId, entry }) => ({
          order_id: orderId,
          occurred_at: entry.at.getTime(),
          kind: entry.kind,
          message_type: entry.messageType,
          message_id: entry.messageId,
          detail: entry.detail?.slice(0, 500) ?? null,
        })),
      );
      queued.length = 0;
    },
  };
}

/** The contract's message ids are UUIDs, and the inbox's key is as wide as one. */
const messageIdLength = 36;

/**
 * The inbox of one unit of work. The row goes ahead of the transaction's next read (the saga
 * runner reads the order it locks in the same turn), as `insert ignore`: no row inserted means the
 * message was seen before. IGNORE would also let MySQL cut an overlong id down to the key's width,
 * making two ids one; such an id is refused instead.
 */
export function inboxWriter(trx: Kysely<Database>, now: () => number, ahead: WritesAhead): Inbox {
  return {
    async markProcessed(messageId, type) {
      if (messageId.length > messageIdLength) {
        throw new RangeError(`a message id of ${messageId.length} characters is not a UUID`);
      }
      const inserted = await ahead.add(
        trx.insertInto('inbox').ignore().values({ message_id: messageId, type, processed_at: now() }),
      );
      return inserted === 1;
    },
  };
}

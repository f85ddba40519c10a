import { createHash } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DeadLetterStatus, DeadLetterStore, DeadLetterView } from '../../application/dead-letters.js';
import { Conflict, NotFound } from '../../domain/errors.js';
import type { DeadLetterMessage } from '../messaging/bus.js';
import { decodeEnvelope } from '../messaging/envelope-codec.js';
import type { Dialect } from './connection.js';
import { outboxWriter } from './outbox-inbox.js';
import type { Database, DeadLettersTable } from './schema.js';
import { isUniqueViolation } from './sql-errors.js';
import { statementBatch } from './statement-batch.js';

export interface DeadLetterStoreOptions {
  db: Kysely<Database>;
  dialect: Dialect;
  now: () => number;
  newId: () => string;
}

/**
 * Dead letters as rows. A message is one row however often it is dead-lettered (keyed by its
 * message id); replay and discard move a pending row on, exactly once, and leave an audit entry.
 */
export function deadLetterStore({ db, dialect, now, newId }: DeadLetterStoreOptions) {
  /** Stores a letter; true when it is new, false when it was seen before (its counters move on). */
  async function record(letter: DeadLetterMessage): Promise<boolean> {
    const messageId = letter.messageId ?? `sha256:${createHash('sha256').update(letter.body).digest('hex')}`;
    const seenAt = now();
    const bump = () =>
      db
        .updateTable('dead_letters')
        .set((eb) => ({
          attempts: eb('attempts', '+', letter.attempts),
          last_seen_at: seenAt,
          error: letter.error.slice(0, 2000),
          headers: JSON.stringify(letter.headers),
          // Dead again after a replay: it needs someone's attention again.
          status: 'pending' as const,
        }))
        .where('message_id', '=', messageId)
        .executeTakeFirst();
    if (Number((await bump()).numUpdatedRows) > 0) return false;
    try {
      await db
        .insertInto('dead_letters')
        .values({
          id: newId(),
          message_id: messageId,
          type: letter.type,
          exchange: letter.exchange,
          routing_key: letter.routingKey,
          queue: letter.queue,
          headers: JSON.stringify(letter.headers),
          body: letter.body,
          error: letter.error.slice(0, 2000),
          attempts: letter.attempts,
          first_seen_at: seenAt,
          last_seen_at: seenAt,
          status: 'pending',
          replayed_at: null,
        })
        .execute();
      return true;
    } catch (error) {
      // Another instance stored the same letter first (two consumers of one dead-letter queue).
      if (!isUniqueViolation(error)) throw error;
      await bump();
      return false;
    }
  }

  async function pendingCount(): Promise<number> {
    const row = await db
      .selectFrom('dead_letters')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  const list: DeadLetterStore['list'] = async ({ status, page, limit }) => {
    const filtered = db
      .selectFrom('dead_letters')
      .$if(status !== undefined, (query) => query.where('status', '=', status as DeadLetterStatus));
    const [rows, count] = await Promise.all([
      filtered
        .selectAll()
        .orderBy('last_seen_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .offset((page - 1) * limit)
        .execute(),
      filtered.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toView), page, limit, total: Number(count.n) };
  };

  /** Locks the letter and moves it from pending to `next`; refuses when it is not pending. */
  async function settle(
    trx: Transaction<Database>,
    id: string,
    next: 'replayed' | 'discarded',
  ): Promise<Selectable<DeadLettersTable>> {
    const row = await trx
      .selectFrom('dead_letters')
      .selectAll()
      .where('id', '=', id)
      .$if(dialect === 'mysql', (query) => query.forUpdate())
      .executeTakeFirst();
    if (!row) throw new NotFound(`Dead letter ${id} was not found`);
    if (row.status !== 'pending') throw new Conflict(`Dead letter ${id} was already ${row.status}`);
    const at = now();
    const changed = await trx
      .updateTable('dead_letters')
      .set({ status: next, ...(next === 'replayed' && { replayed_at: at }) })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    // SQLite has no FOR UPDATE but one writer at a time; the status guard makes it exact anyway.
    if (Number(changed.numUpdatedRows) !== 1)
      throw new Conflict(`Dead letter ${id} was settled concurrently`);
    return { ...row, status: next, replayed_at: next === 'replayed' ? at : row.replayed_at };
  }

  const audit = (
    trx: Transaction<Database>,
    row: Selectable<DeadLettersTable>,
    action: 'replay' | 'discard',
    actor: string,
    detail: string,
  ) =>
    trx
      .insertInto('dead_letter_audit')
      .values({ dead_letter_id: row.id, message_id: row.message_id, action, actor, at: now(), detail })
      .execute();

  const replay: DeadLetterStore['replay'] = (id, actor) =>
    db.transaction().execute(async (trx) => {
      const row = await settle(trx, id, 'replayed');
      const decoded = decodeEnvelope(Buffer.from(row.body));
      if (!decoded.ok)
        throw new Conflict(`Dead letter ${id} is not a message envelope and cannot be replayed`);
      // The message keeps its id, so consumers that did process it after all drop the copy.
      // A sent outbox row of the original would collide with it; housekeeping deletes those anyway.
      const original = await trx
        .selectFrom('outbox')
        .select(['id', 'sent_at'])
        .where('message_id', '=', decoded.envelope.messageId)
        .executeTakeFirst();
      if (original && original.sent_at === null)
        throw new Conflict(`Message ${decoded.envelope.messageId} is still waiting in the outbox`);
      if (original) await trx.deleteFrom('outbox').where('id', '=', original.id).execute();
      const outbox = outboxWriter(trx, now);
      outbox.add([{ exchange: row.exchange, routingKey: row.routing_key, envelope: decoded.envelope }]);
      const writes = statementBatch(trx, dialect);
      outbox.flush(writes);
      await writes.run();
      await audit(trx, row, 'replay', actor, `republished to ${row.exchange} ${row.routing_key}`);
      return toView(row);
    });

  const discard: DeadLetterStore['discard'] = (id, actor) =>
    db.transaction().execute(async (trx) => {
      const row = await settle(trx, id, 'discarded');
      await audit(trx, row, 'discard', actor, `discarded from ${row.queue}`);
      return toView(row);
    });

  return { record, pendingCount, list, replay, discard } satisfies DeadLetterStore & Record<string, unknown>;
}

export type DeadLetterRecorder = ReturnType<typeof deadLetterStore>;

function toView(row: Selectable<DeadLettersTable>): DeadLetterView {
  return {
    id: row.id,
    messageId: row.message_id,
    type: row.type,
    exchange: row.exchange,
    routingKey: row.routing_key,
    queue: row.queue,
    headers: JSON.parse(row.headers) as Record<string, unknown>,
    body: row.body,
    error: row.error,
    attempts: Number(row.attempts),
    firstSeenAt: new Date(Number(row.first_seen_at)).toISOString(),
    lastSeenAt: new Date(Number(row.last_seen_at)).toISOString(),
    status: row.status,
    replayedAt: row.replayed_at === null ? null : new Date(Number(row.replayed_at)).toISOString(),
  };
}

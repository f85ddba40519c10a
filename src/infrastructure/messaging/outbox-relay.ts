import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { RoutedMessage } from '../../application/messaging/contract.js';
import { outsideLogContext } from '../../logger.js';
import type { Dialect } from '../db/connection.js';
import type { Database } from '../db/schema.js';
import type { MessageBus } from './bus.js';

export interface OutboxRelayOptions {
  db: Kysely<Database>;
  dialect: Dialect;
  bus: Pick<MessageBus, 'publish' | 'isConnected'>;
  batchSize: number;
  /** How long a claim lasts: a relay that dies holding rows delays them by at most this. */
  leaseMs: number;
  now: () => number;
  logger: Logger;
}

/**
 * Publishes committed outbox rows and marks them sent only after the broker confirmed them. No
 * database transaction or pooled connection is held while the broker answers:
 *
 * - fast path: a unit of work that writes outbox rows while the broker is connected claims them
 *   for this instance (`claimUntil`), and hands them to `publishCommitted` after its commit;
 * - poller (`publishBatch`): claims a batch of unclaimed or expired rows in a short transaction
 *   (FOR UPDATE SKIP LOCKED, then `claimed_until`), publishes it with every confirm in flight at
 *   once, then marks the confirmed rows sent in one statement.
 *
 * A crash between confirm and mark leaves the claim to expire and the rows to be sent again:
 * at least once, and consumers drop the copy by messageId (inbox). Safe with N instances.
 */
export function createOutboxRelay(options: OutboxRelayOptions) {
  const { db, dialect, bus, batchSize, leaseMs, now, logger } = options;
  const inFlight = new Set<Promise<void>>();

  // Rows confirmed within a few milliseconds of each other are marked sent by one statement: at
  // saturation one per confirm burst was ~2.3 statements per order, each a round trip on the
  // service's one thread. A mark that comes later costs nothing: the row is claimed until then,
  // and a crash before it only republishes a message its consumer deduplicates.
  const markSent = coalesced(markSentWindowMs, async (messageIds: string[]) => {
    await db
      .updateTable('outbox')
      .set({ sent_at: now(), claimed_until: null })
      .where('message_id', 'in', messageIds)
      .execute();
  });

  /** Publishes `messages`; marks the confirmed sent and releases the rest for the poller. */
  async function publish(messages: readonly RoutedMessage[]): Promise<number> {
    const results = await Promise.allSettled(messages.map((message) => bus.publish(message)));
    const sent: string[] = [];
    const failed: { message: RoutedMessage; error: string }[] = [];
    results.forEach((result, index) => {
      const message = messages[index] as RoutedMessage;
      if (result.status === 'fulfilled') sent.push(message.envelope.messageId);
      else failed.push({ message, error: String(result.reason) });
    });
    if (sent.length > 0) await markSent(sent);
    if (failed.length > 0) {
      await db
        .updateTable('outbox')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          claimed_until: null,
          last_error: (failed[0] as { error: string }).error.slice(0, 1000),
        }))
        .where(
          'message_id',
          'in',
          failed.map(({ message }) => message.envelope.messageId),
        )
        .execute();
      // Each line names its own message, so a search by order id finds why its command waited.
      for (const { message, error } of failed) {
        logger.warn(
          {
            messageId: message.envelope.messageId,
            type: message.envelope.type,
            correlationId: message.envelope.correlationId,
            error,
          },
          'outbox publish failed; will retry',
        );
      }
    }
    return failed.length;
  }

  async function claimBatch(): Promise<RoutedMessage[]> {
    return db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('outbox')
        .select(['id', 'exchange', 'routing_key', 'body'])
        .where('sent_at', 'is', null)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now())]))
        .orderBy('id')
        .limit(batchSize)
        .$if(dialect === 'mysql', (query) => query.forUpdate().skipLocked())
        .execute();
      if (rows.length === 0) return [];
      await trx
        .updateTable('outbox')
        .set({ claimed_until: now() + leaseMs })
        .where(
          'id',
          'in',
          rows.map((row) => row.id),
        )
        .execute();
      return rows.map((row) => ({
        exchange: row.exchange,
        routingKey: row.routing_key,
        envelope: JSON.parse(row.body),
      }));
    });
  }

  return {
    /** One poll: claims, publishes and marks a batch; true when the batch was full, so there may be more. */
    async publishBatch(): Promise<boolean> {
      // While the broker is away, claiming would only churn rows; they wait for the reconnect.
      if (!bus.isConnected()) return false;
      const messages = await claimBatch();
      if (messages.length === 0) return false;
      const failures = await publish(messages);
      return failures === 0 && messages.length === batchSize;
    },

    /** The claim a unit of work puts on the rows it writes, when this instance can publish them now. */
    claimUntil(): number | null {
      return bus.isConnected() ? now() + leaseMs : null;
    },

    /** Fast path: publishes rows a commit just wrote under this instance's claim. Never throws. */
    publishCommitted(messages: readonly RoutedMessage[]): void {
      if (messages.length === 0) return;
      const task = outsideLogContext(() => publish(messages)).then(
        () => undefined,
        // The rows stay claimed until the lease ends; then the poller sends them.
        (error: unknown) => logger.warn({ err: error, messages: messages.length }, 'outbox fast path failed'),
      );
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    },

    /** Waits for the fast-path publishes in flight (graceful shutdown). */
    async drain(): Promise<void> {
      await Promise.allSettled([...inFlight]);
    },

    /** Unsent messages and the age of the oldest, for metrics and readiness. */
    async backlog(): Promise<{ count: number; oldestAgeSeconds: number }> {
      const row = await db
        .selectFrom('outbox')
        .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min<number>('created_at').as('oldest')])
        .where('sent_at', 'is', null)
        .executeTakeFirstOrThrow();
      const oldest = row.oldest === null ? null : Number(row.oldest);
      return {
        count: Number(row.count),
        oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (now() - oldest) / 1000),
      };
    },
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;

/** Most ids in one statement's IN list. */
const maxBatch = 500;
/** How long confirmed rows gather before they are marked sent together. */
const markSentWindowMs = 20;

/**
 * Gathers the ids handed to it for `windowMs` after the first and writes them with one call of
 * `write` per `maxBatch`; each caller's promise settles with the write that carried its ids.
 */
function coalesced(
  windowMs: number,
  write: (ids: string[]) => Promise<void>,
): (ids: readonly string[]) => Promise<void> {
  let gathering: string[] | null = null;
  let written: Promise<void> = Promise.resolve();
  return (ids) => {
    if (gathering === null) {
      const batch: string[] = [];
      gathering = batch;
      written = new Promise<void>((resolve) => setTimeout(resolve, windowMs)).then(async () => {
        gathering = null;
        for (let start = 0; start < batch.length; start += maxBatch)
          await write(batch.slice(start, start + maxBatch));
      });
    }
    gathering.push(...ids);
    return written;
  };
}

import type { Kysely } from 'kysely';
import { IdempotencyKeyTaken, type IdempotencyStore } from '../../application/ports.js';
import type { Database } from './schema.js';
import { isUniqueViolation } from './sql-errors.js';

export interface QueuedIdempotencyStore extends IdempotencyStore {
  /** Whether `flush` has anything to write. */
  pending(): boolean;
  flush(): Promise<void>;
}

export function idempotencyStore(trx: Kysely<Database>, now: () => number): QueuedIdempotencyStore {
  const queued: Array<{ scope: string; key: string; response: Parameters<IdempotencyStore['save']>[2] }> = [];
  return {
    async find(scope, key) {
      const row = await trx
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'status_code', 'response_body', 'order_id'])
        .where('scope', '=', scope)
        .where('idempotency_key', '=', key)
        .executeTakeFirst();
      return (
        row && {
          requestHash: row.request_hash,
          statusCode: Number(row.status_code),
          body: row.response_body,
          orderId: row.order_id,
        }
      );
    },

    save(scope, key, response) {
      queued.push({ scope, key, response });
    },

    pending: () => queued.length > 0,

    async flush() {
      for (const { scope, key, response } of queued) {
        try {
          await trx
            .insertInto('idempotency_keys')
            .values({
              scope,
              idempotency_key: key,
              request_hash: response.requestHash,
              status_code: response.statusCode,
              response_body: response.body(),
              order_id: response.orderId,
              created_at: now(),
            })
            .execute();
        } catch (error) {
          if (isUniqueViolation(error)) throw new IdempotencyKeyTaken();
          throw error;
        }
      }
      queued.length = 0;
    },
  };
}

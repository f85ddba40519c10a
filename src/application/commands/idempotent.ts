import { createHash } from 'node:crypto';
import { IdempotencyConflict } from '../../domain/errors.js';
import { IdempotencyKeyTaken, type Repositories, type StoredResponse, type UnitOfWork } from '../ports.js';

export interface Idempotent<T> {
  result: T;
  /** True when an earlier request with the same key produced this answer. */
  replayed: boolean;
}

/** SHA-256 of a canonical form of the request: field order must not matter. */
export const requestHash = (canonical: unknown): string =>
  createHash('sha256').update(JSON.stringify(canonical)).digest('hex');

/**
 * Runs a use case once per Idempotency-Key (like idempotent-create-order.ts, for any use case):
 * the first run stores its answer in the same transaction as its effect; a repeat with the same request replays that answer, a repeat with
 * another request is an IdempotencyConflict. Without a key the use case simply runs.
 */
export async function idempotent<T>(
  uow: UnitOfWork,
  request: { scope: string; key: string | undefined; hash: string; statusCode: number },
  work: (repositories: Repositories) => Promise<{ result: T; orderId: string }>,
): Promise<Idempotent<T>> {
  const { scope, key, hash, statusCode } = request;
  if (!key) return { result: (await uow.run(work)).result, replayed: false };
  const replay = (stored: StoredResponse): Idempotent<T> => {
    if (stored.requestHash !== hash) throw new IdempotencyConflict();
    return { result: JSON.parse(stored.body) as T, replayed: true };
  };
  const earlier = await uow.run((tx) => tx.idempotency.find(scope, key));
  if (earlier) return replay(earlier);
  try {
    const result = await uow.run(async (tx) => {
      const done = await work(tx);
      tx.idempotency.save(scope, key, {
        requestHash: hash,
        statusCode,
        body: () => JSON.stringify(done.result),
        orderId: done.orderId,
      });
      return done.result;
    });
    return { result, replayed: false };
  } catch (error) {
    // A concurrent request with the same key committed first: answer as it did.
    if (!(error instanceof IdempotencyKeyTaken)) throw error;
    const winner = await uow.run((tx) => tx.idempotency.find(scope, key));
    if (!winner) throw error;
    return replay(winner);
  }
}

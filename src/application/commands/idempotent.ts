import { createHash } from 'node:crypto';
import { IdempotencyConflict } from '../../domain/errors.js';
import { IdempotencyKeyTaken, type Repositories, type StoredResponse, type UnitOfWork } from '../ports.js';

export interface Idempotent<T> {
  result: T;
  /** True when an earlier request with the same key produced this answer. */
  replayed: boolean;
}

/** SHA-256 of a canonical form of the request: field order must not matter. */
const requestHash = (canonical: unknown): string =>
  createHash('sha256').update(JSON.stringify(canonical)).digest('hex');

/**
 * Stores the use case's answer in the transaction that has its effect. `answer` is taken when
 * the unit of work writes, so it shows what committed. Does nothing when the request had no key.
 */
export type Remember<T> = (repositories: Repositories, orderId: string, answer: () => T) => void;

/**
 * Runs a use case once per Idempotency-Key: the first run stores its answer with its effect (the
 * use case calls `remember` inside its transaction, however it runs that transaction); a repeat
 * with the same request replays that answer, a repeat with another request is an
 * IdempotencyConflict (422). The key is stored under a unique constraint, so of two racing
 * requests one runs and the other replays. Without a key the use case simply runs: `canonical`
 * (the request's fields in a fixed order, what the key's hash is over) is only taken with a key.
 */
export async function idempotent<T>(
  uow: UnitOfWork,
  request: { scope: string; key: string | undefined; canonical: () => unknown; statusCode: number },
  run: (remember: Remember<T>) => Promise<T>,
): Promise<Idempotent<T>> {
  const { scope, key, statusCode } = request;
  if (!key) return { result: await run(() => {}), replayed: false };
  const hash = requestHash(request.canonical());
  const stored = () => uow.run((tx) => tx.idempotency.find(scope, key));
  const replay = (response: StoredResponse): Idempotent<T> => {
    if (response.requestHash !== hash) throw new IdempotencyConflict();
    return { result: JSON.parse(response.body) as T, replayed: true };
  };
  const earlier = await stored();
  if (earlier) return replay(earlier);
  try {
    const result = await run((tx, orderId, answer) =>
      tx.idempotency.save(scope, key, {
        requestHash: hash,
        statusCode,
        orderId,
        body: () => JSON.stringify(answer()),
      }),
    );
    return { result, replayed: false };
  } catch (error) {
    // A concurrent request with the same key committed first: answer as it did.
    if (!(error instanceof IdempotencyKeyTaken)) throw error;
    const winner = await stored();
    if (!winner) throw error;
    return replay(winner);
  }
}

import type { Order } from '../domain/order.js';
import type { Envelope } from './messages.js';

/** A message waiting in the outbox: where it goes and what it says. */
export interface OutboxMessage {
  exchange: string;
  routingKey: string;
  envelope: Envelope;
}

export interface OrderRepository {
  findById(id: string): Promise<Order | undefined>;
  /** Reads the order and locks it until the transaction ends, so read-modify-write cannot lose an update. */
  findByIdForUpdate(id: string): Promise<Order | undefined>;
  insert(order: Order): Promise<void>;
  /** Writes the order if nobody changed it since it was read; throws ConcurrencyConflict otherwise. */
  update(order: Order): Promise<void>;
}

export interface StoredResponse {
  requestHash: string;
  statusCode: number;
  body: string;
  orderId: string;
}

export interface IdempotencyStore {
  find(scope: string, key: string): Promise<StoredResponse | undefined>;
  /** Throws IdempotencyKeyTaken when another transaction stored the same key first. */
  save(scope: string, key: string, response: StoredResponse): Promise<void>;
}

export class IdempotencyKeyTaken extends Error {
  constructor() {
    super('Idempotency key already stored');
    this.name = 'IdempotencyKeyTaken';
  }
}

export interface Outbox {
  add(messages: readonly OutboxMessage[]): Promise<void>;
}

export interface Inbox {
  /** Records a consumed message; false when it was seen before (the caller then does nothing). */
  markProcessed(messageId: string, type: string): Promise<boolean>;
}

export type SagaStep = 'RESERVING_INVENTORY' | 'PROCESSING_PAYMENT' | 'COMPLETED' | 'CANCELLED';

/** The persisted position of one place-order saga, so a restarted instance resumes it. */
export interface SagaState {
  orderId: string;
  step: SagaStep;
  /** When the current step times out; null once the saga has ended. */
  deadlineAt: Date | null;
  startedAt: Date;
  updatedAt: Date;
}

/**
 * A saga row is guarded by its order's row lock: whoever changes a saga holds
 * `orders.findByIdForUpdate` on the same order first, so there is one lock order and no deadlock.
 */
export interface SagaRepository {
  insert(saga: SagaState): Promise<void>;
  find(orderId: string): Promise<SagaState | undefined>;
  update(saga: SagaState): Promise<void>;
  /**
   * Order ids of sagas whose step deadline has passed, with their orders locked; orders another
   * instance holds are skipped, so several sweepers never take the same saga.
   */
  claimTimedOut(now: Date, limit: number): Promise<string[]>;
}

/** The repositories of one transaction. Everything done through them commits or rolls back together. */
export interface Transaction {
  orders: OrderRepository;
  idempotency: IdempotencyStore;
  outbox: Outbox;
  inbox: Inbox;
  sagas: SagaRepository;
}

export interface UnitOfWork {
  /**
   * Runs `work` in one database transaction. On success the events recorded by the orders it
   * saved become outbox messages (and read-model updates) in the same transaction; `causationId`
   * names the message that caused the work, and those events carry it.
   */
  run<T>(work: (tx: Transaction) => Promise<T>, options?: { causationId?: string }): Promise<T>;
}

export interface OrderQueries {
  /** The order's public view, already serialized (the JSON of `toOrderView`), and its owner. */
  findView(id: string): Promise<{ customerId: string; json: string } | undefined>;
}

export type Clock = () => Date;
export type IdGenerator = () => string;

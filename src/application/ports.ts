import type { Order } from '../domain/order.js';
import type { OrderEvent } from '../domain/order-events.js';
import type { RoutedMessage } from './messaging/contract.js';

export interface OrderRepository {
  findById(id: string): Promise<Order | undefined>;
  /** Reads the order and locks it until the transaction ends, so read-modify-write cannot lose an update. */
  findByIdForUpdate(id: string): Promise<Order | undefined>;
  /** Queues a new order; it is written when the unit of work ends. */
  insert(order: Order): void;
  /**
   * Queues a changed order; when the unit of work ends it is written if nobody changed it since it
   * was read, or the unit of work fails with ConcurrencyConflict.
   */
  update(order: Order): void;
}

export interface StoredResponse {
  requestHash: string;
  statusCode: number;
  body: string;
  orderId: string;
}

export interface IdempotencyStore {
  find(scope: string, key: string): Promise<StoredResponse | undefined>;
  /**
   * Queues the key with its answer; `body` is taken when the unit of work writes, so it shows the
   * order as committed. The unit of work fails with IdempotencyKeyTaken when another transaction
   * stored the same key first.
   */
  save(scope: string, key: string, response: Omit<StoredResponse, 'body'> & { body: () => string }): void;
}

export class IdempotencyKeyTaken extends Error {
  constructor() {
    super('Idempotency key already stored');
    this.name = 'IdempotencyKeyTaken';
  }
}

export interface Outbox {
  /** Queues messages; they are written with the rest of the unit of work, after the orders. */
  add(messages: readonly RoutedMessage[]): void;
  /**
   * Deletes a queued message that has not been sent yet, so a saga that gives up does not send
   * what it no longer wants. True when it was withdrawn; false when it already left (or is leaving).
   */
  withdraw(messageId: string): Promise<boolean>;
}

export interface Inbox {
  /**
   * Records a consumed message; false when it was seen before (the caller then does nothing). The
   * record may wait to travel with the unit of work's next read: ask for both in the same turn.
   */
  markProcessed(messageId: string, type: string): Promise<boolean>;
}

/**
 * A running place-order saga: which command's reply it waits for. Its progress (which step, what
 * is reserved or paid) is the order's own inventory and payment state; this row only carries the
 * step's timer, which starts when the command was confirmed by the broker (the outbox row's sent
 * time), so a broker outage never counts against the participant. No row: nothing awaited.
 */
export interface SagaState {
  orderId: string;
  awaitingMessageId: string;
  startedAt: Date;
  updatedAt: Date;
}

/**
 * A saga row is guarded by its order's row lock: whoever changes a saga holds
 * `orders.findByIdForUpdate` on the same order first, so there is one lock order and no deadlock.
 */
export interface SagaRepository {
  find(orderId: string): Promise<SagaState | undefined>;
  /** Queues an insert or update of the saga's row, written with the rest of the unit of work. */
  save(saga: SagaState): void;
  /** Queues the removal of the saga's row: it awaits nothing any more. */
  end(orderId: string): void;
  /**
   * Sagas whose awaited command was sent at or before `sentBefore`, with their orders locked;
   * orders another instance holds are skipped, so several sweepers never take the same saga.
   */
  claimTimedOut(
    sentBefore: Date,
    limit: number,
  ): Promise<Array<{ orderId: string; awaitingMessageId: string }>>;
}

/**
 * The timer of one shipment's stock commit (fulfilment-saga.ts): which `inventory.commit` it
 * awaits, which attempt that is and how long that attempt may wait for its reply. Like a saga
 * step, the wait runs from the broker's confirm of the command (the outbox row's sent time).
 * No row: the commit is answered; a row with `failedAt`: given up.
 */
export interface StockCommitTimer {
  orderId: string;
  shipmentId: string;
  awaitingMessageId: string;
  /** 1 for the first command, one more per resend. */
  attempt: number;
  /** This attempt's deadline, counted from the broker's confirm of its command. */
  timeoutMs: number;
  startedAt: Date;
  updatedAt: Date;
  /** When the last attempt went unanswered (COMMIT_FAILED): kept for the operations view, never swept. */
  failedAt: Date | null;
}

/** Stock commit timers; guarded, like saga rows, by their order's row lock. */
export interface StockCommitTimers {
  /** The timer of a shipment's commit, if it still awaits a reply or was given up. */
  find(orderId: string, shipmentId: string): Promise<StockCommitTimer | undefined>;
  /** Queues an insert or update, written with the rest of the unit of work. */
  save(timer: StockCommitTimer): void;
  /** Queues the removal: the commit was answered. */
  end(orderId: string, shipmentId: string): void;
  /**
   * Timers whose awaited command was sent at least its attempt's timeout before `now`, with their
   * orders locked; orders another instance holds are skipped.
   */
  claimDue(now: Date, limit: number): Promise<StockCommitTimer[]>;
}

export const timelineKinds = [
  /** A command the saga queued to move forward. */
  'command',
  /** A command that undoes an earlier step. */
  'compensation',
  /** A participant's reply, with what the saga made of it. */
  'reply',
  /** A step's deadline passed. */
  'timeout',
  /** A command sent again because its reply did not come in time (a shipment's stock commit). */
  'retry',
  /** A queued command withdrawn before it was sent. */
  'withdrawn',
  /** A participant did something the saga did not ask for (a second reservation or charge): undone. */
  'unrequested_effect',
] as const;
export type TimelineKind = (typeof timelineKinds)[number];

/** One entry of an order's saga timeline (what was sent, what came back), oldest first. */
export interface TimelineEntry {
  at: Date;
  kind: TimelineKind;
  /** The message's type (`inventory.reserve`, `payment.succeeded`, ...). */
  messageType: string | null;
  messageId: string | null;
  detail: string | null;
}

export interface Timeline {
  /** Queues entries, written with the rest of the unit of work. */
  add(orderId: string, entries: readonly TimelineEntry[]): void;
}

/** The repositories of one database transaction. Everything done through them commits or rolls back together. */
export interface Repositories {
  orders: OrderRepository;
  idempotency: IdempotencyStore;
  outbox: Outbox;
  inbox: Inbox;
  sagas: SagaRepository;
  stockCommits: StockCommitTimers;
  timeline: Timeline;
}

/**
 * Reacts to an order's domain event inside the transaction that recorded it, before anything is
 * written (the place-order saga starts from `order.created` this way).
 */
export type DomainEventPolicy = (
  repositories: Repositories,
  order: Order,
  event: OrderEvent,
  causationId: string | null,
) => Promise<void>;

export interface UnitOfWork {
  /**
   * Runs `work` in one database transaction. Then the domain events of the orders it saved go to
   * the policies (which may change those orders and queue more), and everything is written at
   * once: orders first, then saga rows, outbox messages (the events among them), timeline entries
   * and read-model updates. `causationId` names the message that caused the work.
   */
  run<T>(work: (repositories: Repositories) => Promise<T>, options?: { causationId?: string }): Promise<T>;
  /**
   * `run` for work that may share its transaction with other such work that arrives while the
   * database is busy (group commit): fewer transactions at saturation, none the slower at low load.
   * If the shared transaction fails, each work runs again alone, so a caller only ever sees its own
   * work's error. The work must be safe to run twice, as it already is for a deadlock's retry.
   */
  runShared<T>(
    work: (repositories: Repositories) => Promise<T>,
    options?: { causationId?: string },
  ): Promise<T>;
}

export interface OrderQueries {
  /** The order's public view, already serialized (the JSON of `toOrderView`), and its owner. */
  findView(id: string): Promise<{ customerId: string; json: string } | undefined>;
  /** The order's owner and its saga timeline, oldest first; undefined when there is no such order. */
  timeline(id: string): Promise<{ customerId: string; entries: TimelineEntry[] } | undefined>;
}

export type Clock = () => Date;
export type IdGenerator = () => string;

import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { IdempotencyConflict, ValidationError } from '../../domain/errors.js';
import { isSupportedCurrency, toMinorUnits } from '../../domain/money.js';
import { type NewOrder, Order, type ShippingAddress } from '../../domain/order.js';
import { assertCanActFor, type Principal } from '../access.js';
import { type OrderView, toOrderView } from '../order-view.js';
import {
  type Clock,
  IdempotencyKeyTaken,
  type IdGenerator,
  type StoredResponse,
  type Transaction,
  type UnitOfWork,
} from '../ports.js';
import { CommitOutcomeUnknown } from '../unavailable.js';

export interface CreateOrderRequest {
  customerId: string;
  items: ReadonlyArray<{ productId: string; quantity: number; price: number }>;
  shippingAddress: ShippingAddress;
  currency?: string;
}

export interface CreateOrderResult {
  order: OrderView;
  /** True when an earlier request with the same Idempotency-Key produced this answer. */
  replayed: boolean;
}

export interface CreateOrderDeps {
  uow: UnitOfWork;
  clock: Clock;
  newId: IdGenerator;
  /** Starts the place-order saga in the same transaction, before the new order is first written. */
  startSaga: (tx: Transaction, order: Order) => Promise<void>;
}

export function createOrderHandler(deps: CreateOrderDeps) {
  return async function createOrder(
    principal: Principal,
    request: CreateOrderRequest,
    idempotencyKey?: string,
  ): Promise<CreateOrderResult> {
    assertCanActFor(principal, request.customerId);
    const draft = parseRequest(request);
    if (!idempotencyKey) return { order: await place(), replayed: false };

    const requestHash = hashRequest(request);
    const replay = (stored: StoredResponse): CreateOrderResult => {
      if (stored.requestHash !== requestHash) throw new IdempotencyConflict();
      return { order: JSON.parse(stored.body) as OrderView, replayed: true };
    };
    const earlier = await deps.uow.run((tx) => tx.idempotency.find(principal.subject, idempotencyKey));
    if (earlier) return replay(earlier);
    try {
      return { order: await place(idempotencyKey, requestHash), replayed: false };
    } catch (error) {
      // A concurrent request with the same key committed first: answer as it did.
      if (!(error instanceof IdempotencyKeyTaken)) throw error;
      const winner = await deps.uow.run((tx) => tx.idempotency.find(principal.subject, idempotencyKey));
      if (!winner) throw error;
      return replay(winner);
    }

    async function place(key?: string, hash?: string): Promise<OrderView> {
      // One id for every attempt, so an attempt whose commit outcome is unknown can be looked up.
      const id = deps.newId();
      try {
        return await insert(id, key, hash);
      } catch (error) {
        if (!(error instanceof CommitOutcomeUnknown)) throw error;
        return storedAfterAll(id, error);
      }
    }

    /** Asks the database whether the commit took effect, so no error answer hides a stored order. */
    async function storedAfterAll(id: string, unknown: CommitOutcomeUnknown): Promise<OrderView> {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        try {
          const stored = await deps.uow.run((tx) => tx.orders.findById(id));
          if (stored) return toOrderView(stored.snapshot());
          throw unknown.cause;
        } catch (error) {
          if (error === unknown.cause) throw error;
          await sleep(200 * (attempt + 1));
        }
      }
      throw unknown;
    }

    async function insert(id: string, key?: string, hash?: string): Promise<OrderView> {
      return deps.uow.run(async (tx) => {
        // Built inside the unit of work, so a run retried after a deadlock starts from scratch.
        const newOrder = Order.create({ ...draft, id, now: deps.clock() });
        await deps.startSaga(tx, newOrder);
        await tx.orders.insert(newOrder);
        const view = toOrderView(newOrder.snapshot());
        if (key && hash) {
          await tx.idempotency.save(principal.subject, key, {
            requestHash: hash,
            statusCode: 201,
            body: JSON.stringify(view),
            orderId: newOrder.id,
          });
        }
        return view;
      });
    }
  };
}

/** Checks and converts what the domain cannot: the currency and decimal prices. */
function parseRequest(request: CreateOrderRequest): Omit<NewOrder, 'id' | 'now'> {
  const currency = request.currency ?? 'USD';
  if (!isSupportedCurrency(currency)) {
    throw new ValidationError('Unsupported currency', [
      { field: '/currency', message: `${currency} is not supported` },
    ]);
  }
  const items = request.items.map((item, index) => {
    try {
      return {
        productId: item.productId,
        quantity: item.quantity,
        unitPriceMinor: toMinorUnits(item.price, currency),
      };
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError('Invalid item price', [
        { field: `/items/${index}/price`, message: error.message },
      ]);
    }
  });
  return { customerId: request.customerId, items, shippingAddress: request.shippingAddress, currency };
}

/** Field order in the JSON body must not matter, so the hash is over a canonical form. */
function hashRequest(request: CreateOrderRequest): string {
  const canonical = JSON.stringify({
    customerId: request.customerId,
    currency: request.currency ?? 'USD',
    items: request.items.map(({ productId, quantity, price }) => ({ productId, quantity, price })),
    shippingAddress: {
      street: request.shippingAddress.street,
      city: request.shippingAddress.city,
      state: request.shippingAddress.state,
      zipCode: request.shippingAddress.zipCode,
    },
  });
  return createHash('sha256').update(canonical).digest('hex');
}

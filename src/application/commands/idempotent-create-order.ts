import { createHash } from 'node:crypto';
import { IdempotencyConflict } from '../../domain/errors.js';
import { defaultCurrency } from '../../domain/money.js';
import type { Principal } from '../access.js';
import { type OrderView, toOrderView } from '../order-view.js';
import { IdempotencyKeyTaken, type IdGenerator, type StoredResponse, type UnitOfWork } from '../ports.js';
import {
  type CreateOrderRequest,
  commitOrLookUp,
  createOrderHandler,
  type PlaceOrder,
} from './create-order.js';

export interface CreateOrderResult {
  order: OrderView;
  /** True when an earlier request with the same Idempotency-Key produced this answer. */
  replayed: boolean;
}

/**
 * Idempotency around placing an order: the same key and body replay the first answer; the same
 * key with another body is refused (422). The key is stored in the transaction that creates the
 * order, under a unique constraint, so of two racing requests one creates and the other replays.
 */
export function idempotentCreateOrder(deps: { uow: UnitOfWork; place: PlaceOrder; newId: IdGenerator }) {
  const createOrder = createOrderHandler(deps);
  return async function createOrderOnce(
    principal: Principal,
    request: CreateOrderRequest,
    idempotencyKey?: string,
  ): Promise<CreateOrderResult> {
    if (!idempotencyKey) return { order: await createOrder(principal, request), replayed: false };

    const scope = principal.subject;
    const requestHash = hashRequest(request);
    const replay = (stored: StoredResponse): CreateOrderResult => {
      if (stored.requestHash !== requestHash) throw new IdempotencyConflict();
      return { order: JSON.parse(stored.body) as OrderView, replayed: true };
    };
    const stored = () => deps.uow.run((repositories) => repositories.idempotency.find(scope, idempotencyKey));

    const earlier = await stored();
    if (earlier) return replay(earlier);
    try {
      const orderId = deps.newId();
      const add = deps.place(principal, request, orderId);
      const order = await commitOrLookUp(deps.uow, orderId, (repositories) => {
        const placed = add(repositories);
        repositories.idempotency.save(scope, idempotencyKey, {
          requestHash,
          statusCode: 201,
          orderId: placed.id,
          body: () => JSON.stringify(toOrderView(placed.snapshot())),
        });
        return placed;
      });
      return { order: toOrderView(order.snapshot()), replayed: false };
    } catch (error) {
      // A concurrent request with the same key committed first: answer as it did.
      if (!(error instanceof IdempotencyKeyTaken)) throw error;
      const winner = await stored();
      if (!winner) throw error;
      return replay(winner);
    }
  };
}

/** Field order in the JSON body must not matter, so the hash is over a canonical form. */
function hashRequest(request: CreateOrderRequest): string {
  const canonical = JSON.stringify({
    customerId: request.customerId,
    currency: request.currency ?? defaultCurrency,
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

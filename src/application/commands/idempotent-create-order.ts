import { defaultCurrency } from '../../domain/money.js';
import type { Principal } from '../access.js';
import { type OrderView, toOrderView } from '../order-view.js';
import type { IdGenerator, UnitOfWork } from '../ports.js';
import { type CreateOrderRequest, commitOrLookUp, type PlaceOrder } from './create-order.js';
import { idempotent } from './idempotent.js';

export interface CreateOrderResult {
  order: OrderView;
  /** True when an earlier request with the same Idempotency-Key produced this answer. */
  replayed: boolean;
}

/**
 * `POST /api/orders`: places the order in one transaction and answers with it as committed. With
 * an Idempotency-Key, the same key and body replay the first answer and the same key with another
 * body is refused (idempotent.ts).
 */
export function idempotentCreateOrder(deps: { uow: UnitOfWork; place: PlaceOrder; newId: IdGenerator }) {
  return async function createOrderOnce(
    principal: Principal,
    request: CreateOrderRequest,
    idempotencyKey?: string,
  ): Promise<CreateOrderResult> {
    const { result, replayed } = await idempotent<OrderView>(
      deps.uow,
      {
        scope: principal.subject,
        key: idempotencyKey,
        canonical: () => canonical(request),
        statusCode: 201,
      },
      async (remember) => {
        const orderId = deps.newId();
        const add = deps.place(principal, request, orderId);
        const order = await commitOrLookUp(deps.uow, orderId, (repositories) => {
          const placed = add(repositories);
          remember(repositories, placed.id, () => toOrderView(placed.snapshot()));
          return placed;
        });
        return toOrderView(order.snapshot());
      },
    );
    return { order: result, replayed };
  };
}

/** The request's fields in a fixed order, defaults filled in: what the key's hash is over. */
function canonical(request: CreateOrderRequest) {
  return {
    customerId: request.customerId,
    currency: request.currency ?? defaultCurrency,
    items: request.items.map(({ productId, quantity, price }) => ({ productId, quantity, price })),
    shippingAddress: {
      street: request.shippingAddress.street,
      city: request.shippingAddress.city,
      state: request.shippingAddress.state,
      zipCode: request.shippingAddress.zipCode,
    },
  };
}

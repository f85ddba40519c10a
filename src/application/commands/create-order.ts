import { setTimeout as sleep } from 'node:timers/promises';
import { ValidationError } from '../../domain/errors.js';
import { defaultCurrency, isSupportedCurrency, toMinorUnits } from '../../domain/money.js';
import { type NewOrder, Order, type ShippingAddress } from '../../domain/order.js';
import { actorOf, assertCanActFor, type Principal } from '../access.js';
import type { Clock, Repositories, UnitOfWork } from '../ports.js';
import { CommitOutcomeUnknown } from '../unavailable.js';

export interface CreateOrderRequest {
  customerId: string;
  items: ReadonlyArray<{ productId: string; quantity: number; price: number }>;
  shippingAddress: ShippingAddress;
  currency?: string;
}

/**
 * Places an order: checks who may and builds it at once, before any transaction is opened, and
 * returns the work that adds it inside the caller's unit of work, where its `order.created` event
 * starts the saga.
 */
export type PlaceOrder = (
  principal: Principal,
  request: CreateOrderRequest,
  orderId: string,
) => (repositories: Repositories) => Order;

export function placeOrder(deps: { clock: Clock }): PlaceOrder {
  return (principal, request, orderId) => {
    assertCanActFor(principal, request.customerId);
    const input: NewOrder = {
      ...parseRequest(request),
      id: orderId,
      createdBy: actorOf(principal),
      now: deps.clock(),
    };
    // Built now so that a bad order is refused without a transaction: one refused inside a shared
    // transaction would make every work of it run again alone. The first attempt adds this one; a
    // retry builds it again, because an attempt takes the new order's events.
    let unused: Order | undefined = Order.create(input);
    return (repositories) => {
      const order = unused ?? Order.create(input);
      unused = undefined;
      repositories.orders.insert(order);
      return order;
    };
  };
}

/**
 * Runs the transaction that creates order `orderId`. When the connection fails during COMMIT the
 * outcome is unknown, so this asks the database whether the order was stored before answering:
 * no error response may hide a stored order. The id is chosen before the first attempt for that.
 */
export async function commitOrLookUp(
  uow: UnitOfWork,
  orderId: string,
  create: (repositories: Repositories) => Order,
): Promise<Order> {
  try {
    // Concurrent orders share transactions at saturation (group commit).
    return await uow.runShared(async (repositories) => create(repositories));
  } catch (error) {
    if (!(error instanceof CommitOutcomeUnknown)) throw error;
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      try {
        const stored = await uow.run((repositories) => repositories.orders.findById(orderId));
        if (stored) return stored;
        throw error.cause;
      } catch (lookupError) {
        if (lookupError === error.cause) throw lookupError;
        await sleep(200 * attempt);
      }
    }
    throw error;
  }
}

/** Checks and converts what the domain cannot: the currency and decimal prices. */
function parseRequest(request: CreateOrderRequest): Omit<NewOrder, 'id' | 'now' | 'createdBy'> {
  const currency = request.currency ?? defaultCurrency;
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

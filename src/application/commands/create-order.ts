import { ValidationError } from '../../domain/errors.js';
import { defaultCurrency, isSupportedCurrency, toMinorUnits } from '../../domain/money.js';
import { type NewOrder, Order, type ShippingAddress } from '../../domain/order.js';
import { actorOf, assertCanActFor, type Principal } from '../access.js';
import { type OrderView, toOrderView } from '../order-view.js';
import type { Clock, IdGenerator, Repositories, UnitOfWork } from '../ports.js';

export interface CreateOrderRequest {
  customerId: string;
  items: ReadonlyArray<{ productId: string; quantity: number; price: number }>;
  shippingAddress: ShippingAddress;
  currency?: string;
}

/** Places an order inside the caller's unit of work; its `order.created` event starts the saga there. */
export type PlaceOrder = (
  repositories: Repositories,
  principal: Principal,
  request: CreateOrderRequest,
) => Order;

/** Check who may, build the order, add it: the unit of work writes it (and starts the saga). */
export function placeOrder(deps: { clock: Clock; newId: IdGenerator }): PlaceOrder {
  return (repositories, principal, request) => {
    assertCanActFor(principal, request.customerId);
    const order = Order.create({
      ...parseRequest(request),
      id: deps.newId(),
      createdBy: actorOf(principal),
      now: deps.clock(),
    });
    repositories.orders.insert(order);
    return order;
  };
}

/** `POST /api/orders` without an Idempotency-Key: one transaction, answered with the order as committed. */
export function createOrderHandler(deps: { uow: UnitOfWork; place: PlaceOrder }) {
  return async (principal: Principal, request: CreateOrderRequest): Promise<OrderView> => {
    const order = await deps.uow.run(async (repositories) => deps.place(repositories, principal, request));
    return toOrderView(order.snapshot());
  };
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

import { v7 as uuidv7 } from 'uuid';
import { Order, type OrderState } from '../../../src/domain/order.js';
import type { OrderStatus } from '../../../src/domain/order-status.js';
import type { TestService } from '../../support/test-service.js';

/** Monday 2026-03-02 00:00 UTC: fixtures start on a week boundary so week buckets are easy to check. */
export const base = Date.UTC(2026, 2, 2);
export const hour = 3_600_000;
export const day = 24 * hour;

const places = [
  { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
  { street: '2 Oak St', city: 'Austin', state: 'TX', zipCode: '73301' },
  { street: '3 Pine St', city: 'Denver', state: 'CO', zipCode: '80202' },
];
const lifecycle: OrderStatus[] = ['PENDING', 'CONFIRMED', 'PROCESSING', 'SHIPPED', 'DELIVERED', 'CANCELLED'];

/** Walks a new order to `status` through the aggregate, the way the saga and staff would. */
export function orderInStatus(order: Order, status: OrderStatus, at: Date): void {
  if (status === 'PENDING') return;
  if (status === 'CANCELLED') {
    order.changeStatus({ to: 'CANCELLED', actor: 'admin', reason: 'fixture', now: at });
    return;
  }
  order.changeStatus({ to: 'CONFIRMED', actor: 'saga', now: at });
  for (const to of ['PROCESSING', 'SHIPPED', 'DELIVERED'] as const) {
    if (lifecycle.indexOf(status) < lifecycle.indexOf(to)) return;
    order.changeStatus({ to, actor: 'service', trackingNumber: `TRK-${order.id.slice(-6)}`, now: at });
  }
}

/**
 * 60 varied orders over 18 days from `base`: 4 customers, 5 products, 3 cities, every status,
 * USD and a few EUR, several hours per day. Ids are UUIDv7 of their creation time.
 */
export function fixtureOrders(count = 60): OrderState[] {
  return Array.from({ length: count }, (_, i) => {
    const createdAt = new Date(base + i * 7 * hour + (i % 5) * 13 * 60_000);
    const items = [{ productId: `p-${i % 5}`, quantity: 1 + (i % 3), unitPriceMinor: 1000 + i * 37 }];
    if (i % 2 === 1) items.push({ productId: `p-${(i + 2) % 5}`, quantity: 2, unitPriceMinor: 250 });
    const order = Order.create({
      id: uuidv7({ msecs: createdAt.getTime() }),
      customerId: `cust-${i % 4}`,
      items,
      shippingAddress: places[i % places.length] as (typeof places)[number],
      currency: i % 10 === 9 ? 'EUR' : 'USD',
      createdBy: 'customer',
      now: createdAt,
    });
    orderInStatus(
      order,
      lifecycle[i % lifecycle.length] as OrderStatus,
      new Date(createdAt.getTime() + 60_000),
    );
    return structuredClone(order.snapshot()) as OrderState;
  });
}

/** GET as `subject` with `roles`; returns status and parsed body. */
export function getter(t: TestService) {
  return async (url: string, subject = 'ops', roles: ('customer' | 'service' | 'admin')[] = ['admin']) => {
    const response = await t.service.app.inject({
      url,
      headers: { authorization: await t.bearer(subject, roles) },
    });
    return { status: response.statusCode, headers: response.headers, body: response.json() };
  };
}

import { v7 as uuidv7 } from 'uuid';
import { Order, type OrderState, type StatusRequest } from '../../../src/domain/order.js';
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

/** One cancellation of each reason group, with the reasons the saga and people give. */
const cancellations: Omit<StatusRequest, 'to' | 'now'>[] = [
  { actor: 'saga', category: 'out_of_stock', reason: 'out of stock: p-1' },
  { actor: 'saga', category: 'payment_declined', reason: 'payment declined: card declined' },
  { actor: 'saga', category: 'timed_out', reason: 'payment timed out' },
  { actor: 'customer', reason: 'changed my mind' },
  { actor: 'admin' },
];

/**
 * Walks a new order to `status` through the aggregate, the way the saga and staff would;
 * `variant` picks the cancellation's reason group.
 */
function orderInStatus(order: Order, status: OrderStatus, at: Date, variant = 0): void {
  if (status === 'PENDING') return;
  if (status === 'CANCELLED') {
    const cancellation = cancellations[variant % cancellations.length] as (typeof cancellations)[number];
    order.changeStatus({ to: 'CANCELLED', ...cancellation, now: at });
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
      Math.floor(i / lifecycle.length),
    );
    return structuredClone(order.snapshot()) as OrderState;
  });
}

/**
 * `count` GBP orders spread unevenly over 2020 to 2025 (about one every 27 days, at odd hours),
 * every status and reason group: for summaries over years, whose edges fall mid-month and mid-day.
 */
export function ordersOverYears(count = 80): OrderState[] {
  const start = Date.UTC(2020, 0, 1);
  return Array.from({ length: count }, (_, i) => {
    const createdAt = new Date(start + i * 27 * day + ((i * 7919) % 24) * hour + (i % 7) * 60_000);
    const order = Order.create({
      id: uuidv7({ msecs: createdAt.getTime() }),
      customerId: `cust-${i % 3}`,
      items: [{ productId: `p-${i % 4}`, quantity: 1 + (i % 2), unitPriceMinor: 999 + i * 101 }],
      shippingAddress: places[i % places.length] as (typeof places)[number],
      currency: 'GBP',
      createdBy: 'customer',
      now: createdAt,
    });
    orderInStatus(
      order,
      lifecycle[i % lifecycle.length] as OrderStatus,
      new Date(createdAt.getTime() + 60_000),
      Math.floor(i / lifecycle.length),
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

/**
 * Waits until the service answers API requests again after a long synchronous step (a bulk insert
 * into SQLite blocks the event loop; @fastify/under-pressure then reads an empty delay sample as
 * infinite and sheds load until its next sample, about a second later).
 */
export async function untilServing(t: TestService): Promise<void> {
  const get = getter(t);
  const deadline = Date.now() + 15_000;
  while ((await get('/api/orders/search?limit=1')).status !== 200) {
    if (Date.now() > deadline) throw new Error('the service still sheds load 15 s after the bulk insert');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

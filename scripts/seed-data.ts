import { v7 as uuidv7 } from 'uuid';
import { Order, type OrderState } from '../src/domain/order.js';

/**
 * Realistic, reproducible orders for `npm run seed`: many customers (one heavy buyer for deep
 * history paging), a long tail of products, US cities, three currencies, and statuses that
 * follow each order's age. Every order is walked through the real aggregate, so its state,
 * history and totals are what the service itself would have stored.
 */
export interface SeedOptions {
  count: number;
  /** Orders are spread over the `days` before `endMs`, oldest first. */
  days: number;
  endMs: number;
  seed: number;
}

const hour = 3_600_000;
const day = 24 * hour;

const heavyCustomerId = 'customer-heavy';
const customers = 50_000;
const products = 2_000;

const cities: ReadonlyArray<readonly [city: string, state: string, zipPrefix: string]> = [
  ['New York', 'NY', '100'],
  ['Brooklyn', 'NY', '112'],
  ['Buffalo', 'NY', '142'],
  ['Los Angeles', 'CA', '900'],
  ['San Francisco', 'CA', '941'],
  ['San Diego', 'CA', '921'],
  ['Sacramento', 'CA', '958'],
  ['Chicago', 'IL', '606'],
  ['Houston', 'TX', '770'],
  ['Austin', 'TX', '787'],
  ['Dallas', 'TX', '752'],
  ['Phoenix', 'AZ', '850'],
  ['Philadelphia', 'PA', '191'],
  ['Pittsburgh', 'PA', '152'],
  ['Seattle', 'WA', '981'],
  ['Portland', 'OR', '972'],
  ['Denver', 'CO', '802'],
  ['Boston', 'MA', '021'],
  ['Miami', 'FL', '331'],
  ['Orlando', 'FL', '328'],
  ['Atlanta', 'GA', '303'],
  ['Detroit', 'MI', '482'],
  ['Minneapolis', 'MN', '554'],
  ['Nashville', 'TN', '372'],
  ['New Orleans', 'LA', '701'],
  ['Salt Lake City', 'UT', '841'],
  ['Las Vegas', 'NV', '891'],
  ['Baltimore', 'MD', '212'],
  ['Charlotte', 'NC', '282'],
  ['Columbus', 'OH', '432'],
];

/** mulberry32: a tiny seeded generator, so two runs with one seed produce the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const productId = (index: number) => `p-${String(index).padStart(5, '0')}`;
/** A product keeps one price, between 1.99 and 249.99. */
const priceOf = (index: number) => 199 + ((index * 7919) % 24_800);

/** Yields the orders in batches of `batchSize`, oldest first. */
export function* seedOrders(options: SeedOptions, batchSize: number): Generator<OrderState[]> {
  const next = random(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const start = options.endMs - options.days * day;
  const spacing = (options.days * day) / options.count;
  let batch: OrderState[] = [];
  for (let index = 0; index < options.count; index += 1) {
    const createdAt = Math.floor(start + (index + next()) * spacing);
    batch.push(oneOrder(createdAt, options.endMs, next, pick));
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function oneOrder(
  createdAt: number,
  endMs: number,
  next: () => number,
  pick: <T>(list: readonly T[]) => T,
): OrderState {
  const customerId =
    next() < 0.02 ? heavyCustomerId : `customer-${String(Math.floor(next() * customers)).padStart(5, '0')}`;
  const lineCount = 1 + Math.floor(next() * next() * 5);
  const items = Array.from({ length: lineCount }, () => {
    // Squaring skews towards low indexes: a few best sellers and a long tail.
    const index = Math.floor(next() * next() * products);
    return {
      productId: productId(index),
      quantity: 1 + Math.floor(next() * 3),
      unitPriceMinor: priceOf(index),
    };
  });
  const [city, state, zipPrefix] = pick(cities);
  const draw = next();
  const currency = draw < 0.85 ? 'USD' : draw < 0.95 ? 'EUR' : 'GBP';
  const order = Order.create({
    id: uuidv7({ msecs: createdAt }),
    customerId,
    items,
    shippingAddress: {
      street: `${1 + Math.floor(next() * 9999)} ${pick(['Main', 'Oak', 'Pine', 'Maple', 'Cedar', 'Elm'])} St`,
      city,
      state,
      zipCode: `${zipPrefix}${String(Math.floor(next() * 100)).padStart(2, '0')}`,
    },
    currency,
    createdBy: 'customer',
    now: new Date(createdAt),
  });
  lifecycle(order, createdAt, endMs, next);
  return structuredClone(order.snapshot()) as OrderState;
}

/** Walks the order as far as its age allows, the way the saga and fulfilment would have. */
function lifecycle(order: Order, createdAt: number, endMs: number, next: () => number): void {
  const age = endMs - createdAt;
  const at = (offset: number) => new Date(Math.min(createdAt + offset, endMs - 1));
  if (age < 5_000 && next() < 0.5) return;
  order.requestReservation(at(5));
  const fate = next();
  if (fate < 0.03) {
    order.recordStockRejection(at(150));
    order.changeStatus({
      to: 'CANCELLED',
      actor: 'saga',
      category: 'out_of_stock',
      reason: `out of stock: ${order.snapshot().items[0]?.productId}`,
      now: at(150),
    });
    return;
  }
  const reservationId = `res-${order.id.slice(-12)}`;
  order.recordReservation(reservationId, at(120));
  order.requestPayment(at(125));
  if (fate < 0.05) {
    order.recordPaymentFailure(at(300));
    order.changeStatus({
      to: 'CANCELLED',
      actor: 'saga',
      category: 'payment_declined',
      reason: 'payment declined: card declined',
      now: at(300),
    });
    order.requestRelease(at(300));
    order.recordRelease(at(400));
    return;
  }
  const transactionId = `txn-${order.id.slice(-12)}`;
  order.recordPayment(transactionId, at(280));
  order.changeStatus({
    to: 'CONFIRMED',
    actor: 'saga',
    reason: 'stock reserved and payment taken',
    now: at(280),
  });
  if (fate < 0.08 && age > hour) {
    const [actor, reason] =
      fate < 0.075 ? (['customer', 'changed my mind'] as const) : (['admin', null] as const);
    order.changeStatus({ to: 'CANCELLED', actor, reason, now: at(hour / 2) });
    return;
  }
  if (age < 6 * hour) return;
  order.changeStatus({ to: 'PROCESSING', actor: 'service', now: at(4 * hour) });
  const tracking = `1Z${order.id.replaceAll('-', '').slice(-16).toUpperCase()}`;
  // One order in ten with several lines ships its first line ahead in a box of its own; the
  // younger ones are still waiting for the rest (fulfilment "partial").
  const [first, second] = order.snapshot().items;
  if (first && second && next() < 0.1) {
    order.ship({
      shipmentId: `shp-${order.id.slice(-12)}-1`,
      items: [{ productId: first.productId, quantity: first.quantity }],
      trackingNumber: `${tracking.slice(0, -1)}A`,
      actor: 'service',
      now: at(8 * hour),
    });
  }
  if (age < 2 * day) return;
  order.changeStatus({ to: 'SHIPPED', actor: 'service', trackingNumber: tracking, now: at(day) });
  if (age < 5 * day) return;
  order.changeStatus({ to: 'DELIVERED', actor: 'service', now: at(3 * day + Math.floor(next() * day)) });
  // A few delivered orders get a fifth of their total back (a damaged item).
  if (age > 6 * day && next() < 0.03) {
    const refundId = `rfd-${order.id.slice(-12)}`;
    const amountMinor = Math.max(1, Math.floor(order.snapshot().totalMinor / 5));
    order.refund({ refundId, amountMinor, reason: 'damaged item', actor: 'admin', now: at(5 * day) });
    order.settleRefund(refundId, 'SUCCEEDED', at(5 * day + hour));
  }
}

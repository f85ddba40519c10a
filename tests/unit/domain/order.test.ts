import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/domain/errors.js';
import { type NewOrder, Order } from '../../../src/domain/order.js';
import { later } from '../../support/builders.js';

const newOrder = (items: NewOrder['items']): NewOrder => ({
  id: 'order-1',
  customerId: 'customer-1',
  items,
  shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
  currency: 'USD',
  createdBy: 'customer',
  now: later,
});

describe('creating an order', () => {
  it('computes each line total as quantity times unit price', () => {
    const order = Order.create(
      newOrder([
        { productId: 'a', quantity: 3, unitPriceMinor: 1999 },
        { productId: 'b', quantity: 1, unitPriceMinor: 5 },
      ]),
    );
    expect(order.snapshot().items.map((item) => item.lineTotalMinor)).toEqual([5997, 5]);
  });

  it('computes the total as the sum of the line totals', () => {
    const order = Order.create(
      newOrder([
        { productId: 'a', quantity: 3, unitPriceMinor: 1999 },
        { productId: 'b', quantity: 10, unitPriceMinor: 10 },
      ]),
    );
    expect(order.snapshot().totalMinor).toBe(6097);
  });

  it('starts PENDING at version 1 with one history entry', () => {
    const order = Order.create(newOrder([{ productId: 'a', quantity: 1, unitPriceMinor: 100 }]));
    expect(order.status).toBe('PENDING');
    expect(order.snapshot().version).toBe(1);
    expect(order.snapshot().statusHistory).toEqual([
      { status: 'PENDING', changedAt: later, changedBy: 'customer', reason: null, causationId: null },
    ]);
  });

  it('records an order.created event once', () => {
    const order = Order.create(newOrder([{ productId: 'a', quantity: 1, unitPriceMinor: 100 }]));
    expect(order.pullEvents()).toEqual([
      { type: 'order.created', orderId: 'order-1', occurredAt: later, by: 'customer' },
    ]);
    expect(order.pullEvents()).toEqual([]);
  });

  it('refuses an order without items', () => {
    expect(() => Order.create(newOrder([]))).toThrow(ValidationError);
  });

  it('refuses a line total beyond what money can hold exactly', () => {
    expect(() =>
      Order.create(newOrder([{ productId: 'a', quantity: 10_000, unitPriceMinor: Number.MAX_SAFE_INTEGER }])),
    ).toThrow(ValidationError);
  });
});

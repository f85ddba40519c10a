import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, databases, expectProblem, orderBody, startApi } from './api-kit.js';

describe.each(databases)('Idempotency-Key on POST /api/orders on %s', (kind, available) => {
  let api: Api;
  beforeAll(async () => {
    if (available) api = await startApi(kind, { saga: false });
  });
  afterAll(async () => api?.close());

  const freshKey = () => `key-${randomUUID()}`;
  const post = (key: string, body = orderBody(), subject = '123') =>
    api.as(subject).request('POST', '/api/orders', body, { 'idempotency-key': key });

  it.skipIf(!available)(
    'replays the first answer for the same key and body, without a second order',
    async () => {
      const key = freshKey();
      const before = await api.counts();
      const first = await post(key);
      const second = await post(key);
      expect(second.statusCode).toBe(201);
      expect(second.json()).toEqual(first.json());
      expect(second.headers.location).toBe(first.headers.location);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect((await api.counts()).orders - before.orders).toBe(1);
    },
  );

  it.skipIf(!available)('treats a body with its fields in another order as the same body', async () => {
    const key = freshKey();
    const first = await post(key);
    const { shippingAddress, items, customerId } = orderBody();
    const reordered = await post(key, { shippingAddress, items, customerId } as ReturnType<typeof orderBody>);
    expect(reordered.json().id).toBe(first.json().id);
  });

  it.skipIf(!available)('creates exactly one order when ten requests with the same key race', async () => {
    const key = freshKey();
    const before = await api.counts();
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(key)));
    expect(responses.map((response) => response.statusCode)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((response) => response.json().id)).size).toBe(1);
    const after = await api.counts();
    expect(after.orders - before.orders).toBe(1);
    expect(after.sagas - before.sagas).toBe(1);
    expect(after.idempotencyKeys - before.idempotencyKeys).toBe(1);
  });

  it.skipIf(!available)(
    'answers 422 for the same key with a different body, and writes nothing',
    async () => {
      const key = freshKey();
      await post(key);
      const before = await api.counts();
      const response = await post(
        key,
        orderBody({ items: [{ productId: '456', quantity: 3, price: 29.99 }] }),
      );
      expect(expectProblem(response, 422).type).toBe('urn:problem:idempotency_conflict');
      expect(await api.counts()).toEqual(before);
    },
  );

  it.skipIf(!available)('keeps one customer’s keys apart from another’s', async () => {
    const key = freshKey();
    const mine = await post(key);
    const theirs = await post(key, orderBody({ customerId: '456' }), '456');
    expect(theirs.statusCode).toBe(201);
    expect(theirs.json().id).not.toBe(mine.json().id);
  });

  it.skipIf(!available)('creates a new order for each request without a key', async () => {
    const first = await api.as('123').placeOrder(orderBody());
    const second = await api.as('123').placeOrder(orderBody());
    expect(second.id).not.toBe(first.id);
  });

  it.skipIf(!available)('answers 400 for a key that is too long or not printable', async () => {
    expectProblem(await post('k'.repeat(256)), 400);
    expectProblem(await post('has space'), 400);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, databases, expectProblem, orderBody, startApi } from './api-kit.js';

describe.each(databases)('GET /api/orders/{orderId} on %s', (kind, available) => {
  let api: Api;
  let orderId: string;
  beforeAll(async () => {
    if (!available) return;
    api = await startApi(kind);
    orderId = (await api.as('123').placeOrder(orderBody())).id;
  });
  afterAll(async () => api?.close());

  it.skipIf(!available)('returns the customer’s own order', async () => {
    const response = await api.as('123').getOrder(orderId);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: orderId, customerId: '123', totalAmount: 59.98 });
  });

  it.skipIf(!available)('returns any order to staff', async () => {
    expect((await api.as('ops', 'admin').getOrder(orderId)).statusCode).toBe(200);
    expect((await api.as('fulfilment', 'service').getOrder(orderId)).statusCode).toBe(200);
  });

  it.skipIf(!available)('answers 404 for an order that does not exist', async () => {
    const problem = expectProblem(await api.as('123').getOrder('01900000-0000-7000-8000-000000000000'), 404);
    expect(problem.type).toBe('urn:problem:not_found');
  });

  it.skipIf(!available)('hides someone else’s order behind the same 404, without its data', async () => {
    const response = await api.as('456').getOrder(orderId);
    expectProblem(response, 404);
    expect(response.body).not.toContain('123 Main St');
    expect(response.body).not.toContain('59.98');
  });

  // Reads that arrive together share one query (order-queries.ts); each must still get its own answer.
  it.skipIf(!available)(
    'answers concurrent reads each with its own order, or 404 for others’ and unknown ones',
    async () => {
      const theirs = (await api.as('456').placeOrder(orderBody({ customerId: '456' }))).id;
      const unknown = '01900000-0000-7000-8000-000000000001';
      const asked = Array.from({ length: 30 }, (_, i) => [orderId, theirs, unknown][i % 3] as string);
      const answers = await Promise.all(asked.map((id) => api.as('123').getOrder(id)));
      answers.forEach((response, i) => {
        if (asked[i] === orderId) expect(response.json()).toMatchObject({ id: orderId, customerId: '123' });
        else expectProblem(response, 404);
      });
      const theirsRead = await Promise.all([api.as('456').getOrder(theirs), api.as('123').getOrder(orderId)]);
      expect(theirsRead.map((response) => response.json().id)).toEqual([theirs, orderId]);
    },
  );

  it.skipIf(!available)('answers 400 for an id that is not a UUID', async () => {
    const problem = expectProblem(await api.as('123').getOrder('not-an-id'), 400);
    expect(problem.errors?.[0]?.field).toBe('/params/orderId');
  });
});

// No saga runs here, so nothing changes the order between a write and the read that follows it.
describe.each(databases)('GET /api/orders/{orderId} reads its own writes on %s', (kind, available) => {
  let api: Api;
  beforeAll(async () => {
    if (available) api = await startApi(kind, { saga: false });
  });
  afterAll(async () => api?.close());

  it.skipIf(!available)('returns exactly what the POST that created the order returned', async () => {
    const created = await api.as('123').request('POST', '/api/orders', orderBody());
    const read = await api.as('123').getOrder(created.json().id);
    expect(read.statusCode).toBe(200);
    expect(read.headers['content-type']).toMatch(/^application\/json/);
    expect(read.json()).toEqual(created.json());
  });

  it.skipIf(!available)('shows a status change as soon as it is answered', async () => {
    const order = await api.as('123').placeOrder(orderBody());
    const changed = await api.as('ops', 'admin').setStatus(order.id, { status: 'CANCELLED', reason: 'test' });
    expect(changed.statusCode).toBe(200);
    expect((await api.as('123').getOrder(order.id)).json()).toEqual(changed.json());
  });
});

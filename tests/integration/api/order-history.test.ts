import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, databases, expectProblem, orderBody, startApi } from './api-kit.js';

describe.each(databases)('GET /api/orders/history/{customerId} on %s', (kind, available) => {
  let api: Api;
  const placed: string[] = [];
  beforeAll(async () => {
    if (!available) return;
    api = await startApi(kind);
    for (let i = 0; i < 5; i += 1)
      placed.push((await api.as('hist-1').placeOrder(orderBody({ customerId: 'hist-1' }))).id);
    await api.as('hist-2').placeOrder(orderBody({ customerId: 'hist-2' }));
  });
  afterAll(async () => api?.close());
  const customer = () => api.as('hist-1');

  it.skipIf(!available)(
    'returns a page of the customer’s orders, newest first, with the totals',
    async () => {
      const response = await customer().history('hist-1', '?page=1&limit=2');
      expect(response.statusCode).toBe(200);
      const page = response.json();
      expect(page).toMatchObject({ page: 1, limit: 2, total: 5, totalPages: 3 });
      expect(page.items.map((order: { id: string }) => order.id)).toEqual([placed[4], placed[3]]);
    },
  );

  it.skipIf(!available)('continues on the next page where the last one stopped', async () => {
    const page = (await customer().history('hist-1', '?page=2&limit=2')).json();
    expect(page.items.map((order: { id: string }) => order.id)).toEqual([placed[2], placed[1]]);
  });

  it.skipIf(!available)('returns an empty last page past the end', async () => {
    const page = (await customer().history('hist-1', '?page=4&limit=2')).json();
    expect(page).toMatchObject({ items: [], page: 4, total: 5, totalPages: 3 });
  });

  it.skipIf(!available)('defaults to page 1 with 10 orders', async () => {
    const page = (await customer().history('hist-1')).json();
    expect(page).toMatchObject({ page: 1, limit: 10, total: 5, totalPages: 1 });
    expect(page.items).toHaveLength(5);
  });

  it.skipIf(!available)('includes only that customer’s orders', async () => {
    const page = (await customer().history('hist-1')).json();
    expect(page.items.every((order: { customerId: string }) => order.customerId === 'hist-1')).toBe(true);
  });

  it.skipIf(!available)('returns an empty history for a customer without orders', async () => {
    expect((await api.as('nobody').history('nobody')).json()).toMatchObject({
      items: [],
      page: 1,
      limit: 10,
      total: 0,
      totalPages: 0,
      nextCursor: null,
    });
  });

  it.skipIf(!available)('accepts a limit of 100', async () => {
    expect((await customer().history('hist-1', '?limit=100')).statusCode).toBe(200);
  });

  it.skipIf(!available)('answers 400 for a limit over 100', async () => {
    const problem = expectProblem(await customer().history('hist-1', '?limit=101'), 400);
    expect(problem.errors?.[0]?.field).toBe('/querystring/limit');
  });

  it.skipIf(!available)('answers 400 for page 0 or a page that is not a number', async () => {
    expectProblem(await customer().history('hist-1', '?page=0'), 400);
    expectProblem(await customer().history('hist-1', '?page=two'), 400);
  });

  it.skipIf(!available)('answers 400 for an unknown query parameter', async () => {
    expectProblem(await customer().history('hist-1', '?sort=asc'), 400);
  });

  it.skipIf(!available)('confines a customer to its own history with a 403', async () => {
    const response = await api.as('hist-2').history('hist-1');
    expectProblem(response, 403);
    expect(response.body).not.toContain(placed[0]);
  });

  it.skipIf(!available)('shows any customer’s history to staff', async () => {
    expect((await api.as('ops', 'admin').history('hist-1')).json().total).toBe(5);
    expect((await api.as('fulfilment', 'service').history('hist-1')).json().total).toBe(5);
  });
});

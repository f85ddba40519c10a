import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMariaDb } from '../../support/services.js';
import { startTestService, type TestService } from '../../support/test-service.js';

const mariaDb = await requireMariaDb();

const address = { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' };

describe.each([
  ['sqlite', true],
  ['mysql', mariaDb],
] as const)('order history on %s', (kind, available) => {
  let t: TestService;
  beforeAll(async () => {
    if (available) t = await startTestService(kind);
  });
  afterAll(async () => t?.stop());

  async function place(customerId: string, price = 10): Promise<string> {
    const response = await t.service.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { authorization: await t.bearer(customerId) },
      payload: { customerId, items: [{ productId: 'p-1', quantity: 1, price }], shippingAddress: address },
    });
    expect(response.statusCode).toBe(201);
    return response.json().id;
  }

  async function history(customerId: string, query = '') {
    const response = await t.service.app.inject({
      url: `/api/orders/history/${customerId}${query}`,
      headers: { authorization: await t.bearer(customerId) },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  it.skipIf(!available)('shows an order in the history as soon as it is created', async () => {
    const id = await place('fresh');
    const page = await history('fresh');
    expect(page.items.map((order: { id: string }) => order.id)).toEqual([id]);
    expect(page).toMatchObject({ total: 1, totalPages: 1, nextCursor: null });
  });

  it.skipIf(!available)('keeps the stored order identical to GET /orders/{id} through the saga', async () => {
    const id = await place('follow');
    const auth = await t.bearer('follow');
    await expect
      .poll(
        async () =>
          (await t.service.app.inject({ url: `/api/orders/${id}`, headers: { authorization: auth } })).json()
            .status,
      )
      .toBe('CONFIRMED');
    const single = (
      await t.service.app.inject({ url: `/api/orders/${id}`, headers: { authorization: auth } })
    ).json();
    expect((await history('follow')).items).toEqual([single]);
  });

  it.skipIf(!available)('pages by cursor without gaps or repeats while new orders arrive', async () => {
    const existing: string[] = [];
    for (let i = 0; i < 11; i += 1) existing.push(await place('pager', 10 + i));
    const seen: string[] = [];
    let page = await history('pager', '?limit=4');
    seen.push(...page.items.map((order: { id: string }) => order.id));
    while (page.nextCursor) {
      // New orders are newer than any cursor, so they land before it and never shift later pages.
      await place('pager');
      page = await history('pager', `?limit=4&cursor=${page.nextCursor}`);
      seen.push(...page.items.map((order: { id: string }) => order.id));
    }
    expect(seen).toEqual([...existing].reverse());
    expect(page.total).toBe(existing.length + 2);
  });

  it.skipIf(!available)('pages by number with total and totalPages', async () => {
    for (let i = 0; i < 5; i += 1) await place('counted');
    const all = (await history('counted', '?limit=100')).items.map((order: { id: string }) => order.id);
    const second = await history('counted', '?page=2&limit=2');
    expect(second).toMatchObject({ page: 2, limit: 2, total: 5, totalPages: 3 });
    expect(second.items.map((order: { id: string }) => order.id)).toEqual(all.slice(2, 4));
    expect(second.nextCursor).not.toBeNull();
  });

  it.skipIf(!available)('rejects a page number together with a cursor', async () => {
    const first = await history('counted', '?limit=2');
    const response = await t.service.app.inject({
      url: `/api/orders/history/counted?page=2&cursor=${first.nextCursor}`,
      headers: { authorization: await t.bearer('counted') },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMariaDb } from '../../support/services.js';
import { startTestService, type TestService } from '../../support/test-service.js';

const mariaDb = await requireMariaDb();

describe.each([
  ['sqlite', true],
  ['mysql', mariaDb],
] as const)('placing an order on %s', (kind, available) => {
  let t: TestService;
  beforeAll(async () => {
    if (available) t = await startTestService(kind);
  });
  afterAll(async () => t?.stop());

  it.skipIf(!available)('reaches CONFIRMED through the saga', async () => {
    const auth = await t.bearer('123');
    const created = await t.service.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { authorization: auth },
      payload: {
        customerId: '123',
        items: [{ productId: '456', quantity: 2, price: 29.99 }],
        shippingAddress: { street: '123 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
      },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    await expect
      .poll(
        async () =>
          (await t.service.app.inject({ url: `/api/orders/${id}`, headers: { authorization: auth } })).json()
            .status,
      )
      .toBe('CONFIRMED');
  });
});

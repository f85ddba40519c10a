import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, type Counts, databases, expectProblem, orderBody, startApi } from './api-kit.js';

const address = orderBody().shippingAddress;
const item = orderBody().items[0];

/** Bodies the service must refuse, each with the field the problem must point at. */
const invalidBodies: ReadonlyArray<[string, Record<string, unknown>, string]> = [
  ['no items', orderBody({ items: [] }), '/items'],
  ['101 items', orderBody({ items: Array(101).fill(item) }), '/items'],
  ['quantity 0', orderBody({ items: [{ ...item, quantity: 0 }] }), '/items/0/quantity'],
  ['quantity 10001', orderBody({ items: [{ ...item, quantity: 10_001 }] }), '/items/0/quantity'],
  ['a fractional quantity', orderBody({ items: [{ ...item, quantity: 1.5 }] }), '/items/0/quantity'],
  ['a quantity sent as text', orderBody({ items: [{ ...item, quantity: '2' }] }), '/items/0/quantity'],
  ['a price with 3 decimals', orderBody({ items: [{ ...item, price: 29.999 }] }), '/items/0/price'],
  ['a negative price', orderBody({ items: [{ ...item, price: -1 }] }), '/items/0/price'],
  ['a price over the limit', orderBody({ items: [{ ...item, price: 1_000_001 }] }), '/items/0/price'],
  ['a price sent as text', orderBody({ items: [{ ...item, price: '29.99' }] }), '/items/0/price'],
  ['a missing customerId', { items: [item], shippingAddress: address }, '/customerId'],
  ['a customerId over 64 characters', orderBody({ customerId: 'c'.repeat(65) }), '/customerId'],
  [
    'a productId over 64 characters',
    orderBody({ items: [{ ...item, productId: 'p'.repeat(65) }] }),
    '/items/0/productId',
  ],
  [
    'a street over 200 characters',
    orderBody({ shippingAddress: { ...address, street: 's'.repeat(201) } }),
    '/shippingAddress/street',
  ],
  ['a blank city', orderBody({ shippingAddress: { ...address, city: '   ' } }), '/shippingAddress/city'],
  [
    'a missing zip code',
    orderBody({ shippingAddress: { ...address, zipCode: undefined } }),
    '/shippingAddress/zipCode',
  ],
  ['an unknown currency', orderBody({ currency: 'XYZ' }), '/currency'],
  ['a client-sent totalAmount', orderBody({ totalAmount: 0.01 }), '/totalAmount'],
  ['a client-sent status', orderBody({ status: 'DELIVERED' }), '/status'],
  ['a client-sent id', orderBody({ id: '01900000-0000-7000-8000-000000000000' }), '/id'],
  ['a client-sent lineTotal', orderBody({ items: [{ ...item, lineTotal: 0.01 }] }), '/items/0/lineTotal'],
  [
    'an unknown address field',
    orderBody({ shippingAddress: { ...address, country: 'US' } }),
    '/shippingAddress/country',
  ],
];

describe.each(databases)('bad input on %s', (kind, available) => {
  let api: Api;
  let orderId: string;
  let before: Counts;
  beforeAll(async () => {
    if (!available) return;
    // No saga runs here, so the row counts move only if a rejected request wrote something.
    api = await startApi(kind, { saga: false });
    orderId = (await api.as('123').placeOrder(orderBody())).id;
  });
  beforeEach(async () => {
    if (available) before = await api.counts();
  });
  afterAll(async () => api?.close());

  const expectNothingChanged = async () => expect(await api.counts()).toEqual(before);
  const raw = (payload: string, contentType: string, url = '/api/orders', method: 'POST' | 'PUT' = 'POST') =>
    api.t.bearer('123').then((authorization) =>
      api.t.service.app.inject({
        method,
        url,
        payload,
        headers: { authorization, 'content-type': contentType },
      }),
    );

  it.skipIf(!available).each(invalidBodies)(
    'answers 400 for %s and points at the field',
    async (_, body, field) => {
      const problem = expectProblem(await api.as('123').request('POST', '/api/orders', body), 400);
      expect(problem.type).toBe('urn:problem:validation');
      expect(problem.errors?.map((error) => error.field)).toContain(field);
      await expectNothingChanged();
    },
  );

  it.skipIf(!available)('reports every invalid field at once', async () => {
    const body = orderBody({ customerId: '', items: [{ ...item, quantity: 0, price: -1 }] });
    const problem = expectProblem(await api.as('123').request('POST', '/api/orders', body), 400);
    expect(problem.errors?.map((error) => error.field)).toEqual(
      expect.arrayContaining(['/customerId', '/items/0/quantity', '/items/0/price']),
    );
  });

  it.skipIf(!available)('answers 400 for malformed JSON', async () => {
    const problem = expectProblem(await raw('{"customerId": "123",', 'application/json'), 400);
    expect(problem.type).toBe('urn:problem:malformed_json');
    await expectNothingChanged();
  });

  it.skipIf(!available)('answers 400 for a body that tries to poison the prototype', async () => {
    const body = JSON.stringify(orderBody()).replace('{', '{"__proto__":{"status":"DELIVERED"},');
    expectProblem(await raw(body, 'application/json'), 400);
    await expectNothingChanged();
  });

  it.skipIf(!available)('answers 400 for an empty JSON body', async () => {
    expectProblem(await raw('', 'application/json'), 400);
  });

  it.skipIf(!available)('answers 400 for a JSON body that is not an object', async () => {
    expectProblem(await raw('[1, 2]', 'application/json'), 400);
    await expectNothingChanged();
  });

  it.skipIf(!available)('answers 413 for a body over the size limit', async () => {
    const body = JSON.stringify(orderBody({ customerId: 'x'.repeat(70 * 1024) }));
    const problem = expectProblem(await raw(body, 'application/json'), 413);
    expect(problem.type).toBe('urn:problem:body_too_large');
    await expectNothingChanged();
  });

  it.skipIf(!available).each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded'])(
    'answers 415 for a body sent as %s',
    async (contentType) => {
      const problem = expectProblem(await raw(JSON.stringify(orderBody()), contentType), 415);
      expect(problem.type).toBe('urn:problem:unsupported_media_type');
      await expectNothingChanged();
    },
  );

  it.skipIf(!available)('answers 415 for a status change sent as text/plain', async () => {
    const url = `/api/orders/${orderId}/status`;
    expectProblem(await raw(JSON.stringify({ status: 'CANCELLED' }), 'text/plain', url, 'PUT'), 415);
    await expectNothingChanged();
  });

  it.skipIf(!available)('accepts JSON with a charset', async () => {
    const response = await raw(JSON.stringify(orderBody()), 'application/json; charset=utf-8');
    expect(response.statusCode).toBe(201);
  });

  it.skipIf(!available).each([
    ['an unknown field', { status: 'CANCELLED', totalAmount: 0 }, '/totalAmount'],
    ['a tracking number with spaces', { status: 'SHIPPED', trackingNumber: '1Z 999' }, '/trackingNumber'],
    ['a reason over 500 characters', { status: 'CANCELLED', reason: 'r'.repeat(501) }, '/reason'],
    ['no status', {}, '/status'],
  ])('answers 400 for a status change with %s', async (_, body, field) => {
    const problem = expectProblem(await api.as('123').setStatus(orderId, body), 400);
    expect(problem.errors?.map((error) => error.field)).toContain(field);
    await expectNothingChanged();
  });

  it.skipIf(!available)('names the allowed statuses in one line for a status outside the list', async () => {
    const problem = expectProblem(await api.as('ops', 'admin').setStatus(orderId, { status: 'LOST' }), 400);
    expect(problem.errors).toEqual([
      {
        field: '/status',
        message: 'must be one of PENDING, CONFIRMED, PROCESSING, SHIPPED, DELIVERED, CANCELLED',
      },
    ]);
    await expectNothingChanged();
  });

  it.skipIf(!available)('answers 405 with Allow for a method the path does not support', async () => {
    const response = await api.as('ops', 'admin').request('DELETE', `/api/orders/${orderId}`);
    const problem = expectProblem(response, 405);
    expect(problem.type).toBe('urn:problem:method_not_allowed');
    expect(response.headers.allow).toBe('GET, HEAD');
    await expectNothingChanged();
  });

  it.skipIf(!available)('answers a problem for a route that does not exist', async () => {
    const problem = expectProblem(await api.as('123').request('GET', '/api/nothing-here'), 404);
    expect(problem.instance).toBe('/api/nothing-here');
  });

  it.skipIf(!available)('sets instance to the request path without the query', async () => {
    const problem = expectProblem(await api.as('123').history('123', '?limit=500'), 400);
    expect(problem.instance).toBe('/api/orders/history/123');
  });
});

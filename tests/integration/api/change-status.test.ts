import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Api,
  anOrderIn,
  databases,
  expectProblem,
  orderBody,
  startApi,
  waitForStatus,
} from './api-kit.js';

describe.each(databases)('PUT /api/orders/{orderId}/status on %s', (kind, available) => {
  let api: Api;
  beforeAll(async () => {
    if (available) api = await startApi(kind);
  });
  afterAll(async () => api?.close());
  const admin = () => api.as('ops', 'admin');
  const fulfilment = () => api.as('fulfilment', 'service');

  it.skipIf(!available)('moves a confirmed order to PROCESSING for fulfilment and returns it', async () => {
    const id = await anOrderIn(api, 'CONFIRMED');
    const response = await fulfilment().setStatus(id, { status: 'PROCESSING', reason: 'picking' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id, status: 'PROCESSING' });
    expect(response.json().statusHistory.at(-1)).toMatchObject({ status: 'PROCESSING', reason: 'picking' });
  });

  it.skipIf(!available)('ships with the tracking number and delivers', async () => {
    const id = await anOrderIn(api, 'PROCESSING');
    const shipped = await fulfilment().setStatus(id, {
      status: 'SHIPPED',
      trackingNumber: '1Z999AA10123456789',
    });
    expect(shipped.json()).toMatchObject({ status: 'SHIPPED', trackingNumber: '1Z999AA10123456789' });
    const delivered = await fulfilment().setStatus(id, { status: 'DELIVERED' });
    expect(delivered.json().status).toBe('DELIVERED');
  });

  it.skipIf(!available)('answers 400 for SHIPPED without a tracking number', async () => {
    const id = await anOrderIn(api, 'PROCESSING');
    const problem = expectProblem(await fulfilment().setStatus(id, { status: 'SHIPPED' }), 400);
    expect(problem.errors).toEqual([{ field: '/trackingNumber', message: expect.any(String) }]);
    expect((await admin().getOrder(id)).json().status).toBe('PROCESSING');
  });

  it.skipIf(!available)('answers 409 for a transition the state machine forbids', async () => {
    const id = await anOrderIn(api, 'DELIVERED');
    const problem = expectProblem(await admin().setStatus(id, { status: 'PROCESSING' }), 409);
    expect(problem.type).toBe('urn:problem:illegal_transition');
  });

  it.skipIf(!available)(
    'answers 409 when admin tries to set CONFIRMED, which only the saga reaches',
    async () => {
      const id = await anOrderIn(api, 'PROCESSING');
      expectProblem(await admin().setStatus(id, { status: 'CONFIRMED' }), 409);
    },
  );

  it.skipIf(!available)('treats the same status with the same data as a harmless 200', async () => {
    const id = await anOrderIn(api, 'SHIPPED');
    // Shipping commits the stock reservation; its confirmation adds a history entry of its own.
    await expect
      .poll(async () => (await admin().getOrder(id)).json().inventory.status, { timeout: 5_000 })
      .toBe('COMMITTED');
    const before = (await admin().getOrder(id)).json();
    const again = await fulfilment().setStatus(id, { status: 'SHIPPED', trackingNumber: 'TRACK-1' });
    expect(again.statusCode).toBe(200);
    expect(again.json().statusHistory).toHaveLength(before.statusHistory.length);
    expect((await admin().getOrder(id)).json()).toEqual(before);
  });

  it.skipIf(!available)('answers 409 for the same status with different data', async () => {
    const id = await anOrderIn(api, 'SHIPPED');
    expectProblem(await fulfilment().setStatus(id, { status: 'SHIPPED', trackingNumber: 'OTHER-2' }), 409);
    expect((await admin().getOrder(id)).json().trackingNumber).toBe('TRACK-1');
  });

  it.skipIf(!available)('lets a customer cancel its own confirmed order, with a reason', async () => {
    const id = await anOrderIn(api, 'CONFIRMED', 'c-cancel');
    const response = await api
      .as('c-cancel')
      .setStatus(id, { status: 'CANCELLED', reason: 'changed my mind' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'CANCELLED', cancellationReason: 'changed my mind' });
  });

  it.skipIf(!available)('refunds the payment when a paid order is cancelled', async () => {
    const id = await anOrderIn(api, 'CONFIRMED', 'c-refund');
    const payments = api.t.service.simulators?.simulatedPayments;
    expect(await payments?.balance(id)).toBe(5998);
    await api.as('c-refund').setStatus(id, { status: 'CANCELLED' });
    // REFUNDING until the payment participant answers payment.refunded; then it holds nothing.
    await expect
      .poll(
        async () =>
          ((await admin().timeline(id)).json().entries as { kind: string; messageType: string }[]).some(
            (entry) => entry.kind === 'reply' && entry.messageType === 'payment.refunded',
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
    expect((await admin().getOrder(id)).json().payment.status).toBe('REFUNDED');
    expect(await payments?.balance(id)).toBe(0);
  });

  it.skipIf(!available)('ships a confirmed order directly with its tracking number', async () => {
    const id = await anOrderIn(api, 'CONFIRMED');
    const shipped = await fulfilment().setStatus(id, {
      status: 'SHIPPED',
      trackingNumber: '1Z999AA10123456789',
    });
    expect(shipped.statusCode, shipped.body).toBe(200);
    expect(shipped.json()).toMatchObject({ status: 'SHIPPED', trackingNumber: '1Z999AA10123456789' });
    expect(shipped.json().statusHistory.map((change: { status: string }) => change.status)).toEqual([
      'PENDING',
      'CONFIRMED',
      'SHIPPED',
    ]);
    await expect
      .poll(async () => (await admin().getOrder(id)).json().inventory.status, { timeout: 10_000 })
      .toBe('COMMITTED');
  });

  it.skipIf(!available)('does not let a customer cancel its order once shipped', async () => {
    const id = await anOrderIn(api, 'SHIPPED', 'c-late');
    expectProblem(await api.as('c-late').setStatus(id, { status: 'CANCELLED' }), 409);
    expect((await admin().getOrder(id)).json().status).toBe('SHIPPED');
  });

  it.skipIf(!available)('forbids a customer to move its order to PROCESSING', async () => {
    const id = await anOrderIn(api, 'CONFIRMED', 'c-eager');
    expectProblem(await api.as('c-eager').setStatus(id, { status: 'PROCESSING' }), 403);
    expect((await admin().getOrder(id)).json().status).toBe('CONFIRMED');
  });

  it.skipIf(!available)('applies exactly one of ten racing cancellations and refuses the rest', async () => {
    const id = await anOrderIn(api, 'CONFIRMED');
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        admin().setStatus(id, { status: 'CANCELLED', reason: `race ${i}` }),
      ),
    );
    const codes = responses.map((response) => response.statusCode);
    expect(codes.filter((code) => code === 200)).toHaveLength(1);
    expect(codes.filter((code) => code === 409)).toHaveLength(9);
    const history: { reason: string | null }[] = (await admin().getOrder(id)).json().statusHistory;
    expect(history.filter((entry) => entry.reason?.startsWith('race '))).toHaveLength(1);
  });

  it.skipIf(!available)('records one history entry when the same change races with itself', async () => {
    const id = await anOrderIn(api, 'CONFIRMED');
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => fulfilment().setStatus(id, { status: 'PROCESSING' })),
    );
    expect(responses.map((response) => response.statusCode)).toEqual(Array(10).fill(200));
    const history: { status: string }[] = (await admin().getOrder(id)).json().statusHistory;
    expect(history.filter((entry) => entry.status === 'PROCESSING')).toHaveLength(1);
  });

  it.skipIf(!available)('hides someone else’s order from a customer behind a 404', async () => {
    const id = await anOrderIn(api, 'CONFIRMED', 'owner');
    expectProblem(await api.as('intruder').setStatus(id, { status: 'CANCELLED' }), 404);
    expect((await admin().getOrder(id)).json().status).toBe('CONFIRMED');
  });

  it.skipIf(!available)('answers 404 for an order that does not exist', async () => {
    expectProblem(
      await admin().setStatus('01900000-0000-7000-8000-000000000000', { status: 'PROCESSING' }),
      404,
    );
  });

  it.skipIf(!available)('answers 400 for an unknown status', async () => {
    const id = await anOrderIn(api, 'CONFIRMED');
    const problem = expectProblem(await admin().setStatus(id, { status: 'LOST' }), 400);
    expect(problem.errors?.map((error) => error.field)).toContain('/status');
  });

  it.skipIf(!available)('records who cancelled when the order reaches CONFIRMED after all', async () => {
    const order = await api.as('c-who').placeOrder(orderBody({ customerId: 'c-who' }));
    await waitForStatus(api, order.id, 'CONFIRMED');
    const response = await admin().setStatus(order.id, { status: 'CANCELLED' });
    expect(response.json().cancellationReason).toBe('cancelled by admin');
  });
});

describe.each(databases)('PUT /api/orders/{orderId}/status on a PENDING order on %s', (kind, available) => {
  let api: Api;
  let id: string;
  beforeAll(async () => {
    if (!available) return;
    api = await startApi(kind, { saga: false });
    id = (await api.as('123').placeOrder(orderBody())).id;
  });
  afterAll(async () => api?.close());

  it.skipIf(!available)('answers 409 when admin tries to confirm it, which only the saga may', async () => {
    const before = await api.counts();
    expectProblem(await api.as('ops', 'admin').setStatus(id, { status: 'CONFIRMED' }), 409);
    expect(await api.counts()).toEqual(before);
  });

  it.skipIf(!available)('forbids a customer to confirm it', async () => {
    expectProblem(await api.as('123').setStatus(id, { status: 'CONFIRMED' }), 403);
  });

  it.skipIf(!available)('treats PENDING again as a no-op that writes nothing', async () => {
    const before = await api.counts();
    const response = await api.as('123').setStatus(id, { status: 'PENDING' });
    expect(response.statusCode).toBe(200);
    expect(await api.counts()).toEqual(before);
  });

  it.skipIf(!available)('lets the customer cancel it before the saga confirms it', async () => {
    const response = await api.as('123').setStatus(id, { status: 'CANCELLED', reason: 'too slow' });
    expect(response.json()).toMatchObject({ status: 'CANCELLED', cancellationReason: 'too slow' });
  });
});

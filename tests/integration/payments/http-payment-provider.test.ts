import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createHttpPaymentProvider,
  PaymentGatewayUnavailable,
} from '../../../src/infrastructure/participants/payment/http-payment-provider.js';
import { startTestService } from '../../support/test-service.js';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/**
 * The card gateway is an internet API that cannot run here, so these tests talk to a MOCK of it:
 * a local HTTP server answering as a gateway would.
 */
describe('the HTTP payment provider, against a mock of the gateway’s internet API', () => {
  let server: Server;
  let baseUrl: string;
  let received: Received[] = [];
  let answer: (request: Received) => { status: number; body?: unknown; delayMs?: number };

  beforeAll(async () => {
    server = createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk) => {
        raw += chunk;
      });
      request.on('end', () => {
        const entry = { path: request.url ?? '', headers: request.headers, body: JSON.parse(raw || '{}') };
        received.push(entry);
        const { status, body, delayMs = 0 } = answer(entry);
        setTimeout(() => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(body ?? {}));
        }, delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());
  beforeEach(() => {
    received = [];
  });

  // A generous timeout on the paths that must succeed on a loaded machine; a short one where the test is the timeout.
  const provider = (timeoutMs = 10_000) =>
    createHttpPaymentProvider({ baseUrl, apiKey: 'sk_test_123', timeoutMs });
  const charge = { orderId: 'order-1', amountMinor: 5998, currency: 'USD', customerId: 'c-1' };

  it('charges in minor units with the bearer key and an idempotency key per order', async () => {
    answer = () => ({ status: 200, body: { id: 'ch_1', status: 'succeeded' } });
    expect(await provider().charge(charge)).toEqual({ ok: true, transactionId: 'ch_1' });
    expect(received[0]).toMatchObject({
      path: '/v1/charges',
      headers: { authorization: 'Bearer sk_test_123', 'idempotency-key': 'charge-order-1' },
      body: { amount: 5998, currency: 'USD', reference: 'order-1', customer: 'c-1' },
    });
  });

  it('reports a 402 as a decline with the gateway’s reason', async () => {
    answer = () => ({ status: 402, body: { message: 'card declined' } });
    expect(await provider().charge(charge)).toEqual({ ok: false, reason: 'card declined' });
  });

  it('throws when the gateway fails, so the command is retried', async () => {
    answer = () => ({ status: 503 });
    await expect(provider().charge(charge)).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
  });

  it('throws when the gateway does not answer in time', async () => {
    answer = () => ({ status: 200, body: { id: 'ch_late', status: 'succeeded' }, delayMs: 1000 });
    await expect(provider(300).charge(charge)).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
  });

  it('refunds a charge once, keyed by the transaction', async () => {
    answer = () => ({ status: 200, body: { id: 're_1' } });
    const result = await provider().refund({
      orderId: 'order-1',
      transactionId: 'ch_1',
      amountMinor: 5998,
      currency: 'USD',
    });
    expect(result).toEqual({ ok: true, refundId: 're_1' });
    expect(received[0]).toMatchObject({
      path: '/v1/refunds',
      headers: { 'idempotency-key': 'refund-ch_1' },
      body: { charge: 'ch_1', amount: 5998 },
    });
  });

  it('sends each partial refund with its amount and its own idempotency key', async () => {
    answer = ({ body }) => ({ status: 200, body: { id: `re_${body.amount}` } });
    const refund = { orderId: 'order-1', transactionId: 'ch_1', currency: 'USD' };
    expect(await provider().refund({ ...refund, amountMinor: 1001, refundId: 'r-1' })).toEqual({
      ok: true,
      refundId: 're_1001',
    });
    await provider().refund({ ...refund, amountMinor: 250, refundId: 'r-2' });
    expect(
      received.map(({ path, headers, body }) => [path, headers['idempotency-key'], body.amount]),
    ).toEqual([
      ['/v1/refunds', 'refund-r-1', 1001],
      ['/v1/refunds', 'refund-r-2', 250],
    ]);
  });

  it('refunds part of a placed order through the mock gateway: the refund reaches SUCCEEDED or FAILED', async () => {
    answer = ({ path, body }) =>
      path === '/v1/charges'
        ? { status: 200, body: { id: 'ch_partial', status: 'succeeded' } }
        : body.amount === 1000
          ? { status: 200, body: { id: 're_partial' } }
          : { status: 400, body: { message: 'refund not allowed' } };
    const t = await startTestService('sqlite', {
      PAYMENT_PROVIDER: 'http',
      PAYMENT_API_URL: baseUrl,
      PAYMENT_API_KEY: 'sk_test_123',
    });
    try {
      const admin = await t.bearer('ops', ['admin']);
      const request = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
        t.service.app.inject({ method, url, headers: { authorization: admin }, ...(payload && { payload }) });
      const placed = await request('POST', '/api/orders', {
        customerId: 'c-1',
        items: [{ productId: 'p-1', quantity: 2, price: 29.99 }],
        shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
      });
      const id = placed.json().id as string;
      const order = async () => (await request('GET', `/api/orders/${id}`)).json();
      await expect.poll(async () => (await order()).status).toBe('CONFIRMED');
      expect(
        (await request('POST', `/api/orders/${id}/refunds`, { amount: 10, reason: 'ok' })).statusCode,
      ).toBe(202);
      expect(
        (await request('POST', `/api/orders/${id}/refunds`, { amount: 5, reason: 'no' })).statusCode,
      ).toBe(202);
      await expect
        .poll(async () => (await order()).refunds.map((refund: { status: string }) => refund.status))
        .toEqual(['SUCCEEDED', 'FAILED']);
      expect((await order()).refundedAmount).toBe(10);
      expect(received.filter((r) => r.path === '/v1/refunds').map((r) => r.body)).toEqual([
        { charge: 'ch_partial', amount: 1000, currency: 'USD' },
        { charge: 'ch_partial', amount: 500, currency: 'USD' },
      ]);
    } finally {
      await t.stop();
    }
  });

  it('takes the payment of a placed order through the gateway when PAYMENT_PROVIDER=http', async () => {
    answer = ({ body }) =>
      body.amount === 5998
        ? { status: 200, body: { id: 'ch_saga', status: 'succeeded' } }
        : { status: 402, body: { message: 'insufficient funds' } };
    const t = await startTestService('sqlite', {
      PAYMENT_PROVIDER: 'http',
      PAYMENT_API_URL: baseUrl,
      PAYMENT_API_KEY: 'sk_test_123',
    });
    try {
      const auth = await t.bearer('c-1');
      const place = async (price: number) =>
        (
          await t.service.app.inject({
            method: 'POST',
            url: '/api/orders',
            headers: { authorization: auth },
            payload: {
              customerId: 'c-1',
              items: [{ productId: 'p-1', quantity: 2, price }],
              shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
            },
          })
        ).json().id as string;
      const order = async (id: string) =>
        (await t.service.app.inject({ url: `/api/orders/${id}`, headers: { authorization: auth } })).json();
      const paid = await place(29.99);
      const declined = await place(500);
      await expect
        .poll(async () => (await order(paid)).payment)
        .toEqual({ status: 'SUCCEEDED', transactionId: 'ch_saga' });
      expect((await order(paid)).status).toBe('CONFIRMED');
      await expect
        .poll(async () => (await order(declined)).cancellationReason)
        .toBe('payment declined: insufficient funds');
    } finally {
      await t.stop();
    }
  });
});

import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Role } from '../../../src/application/access.js';
import type { OrderView } from '../../../src/application/order-view.js';
import { requireMariaDb } from '../../support/services.js';
import { type DatabaseKind, startTestService, type TestService } from '../../support/test-service.js';

/** Both databases, for `describe.each`; MariaDB is skipped (or fails under REQUIRE_SERVICES=1) when unreachable. */
export const databases: ReadonlyArray<readonly [DatabaseKind, boolean]> = [
  ['sqlite', true],
  ['mysql', await requireMariaDb()],
];

type Method = 'GET' | 'POST' | 'PUT';

/** A thin HTTP client over `app.inject` that signs in as whoever a test names. */
export interface Api {
  t: TestService;
  as(subject: string, ...roles: Role[]): Caller;
  counts(): Promise<Counts>;
  close(): Promise<void>;
}

export interface Caller {
  request(
    method: Method,
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  placeOrder(body: Record<string, unknown>, headers?: Record<string, string>): Promise<OrderView>;
  getOrder(id: string): Promise<LightMyRequestResponse>;
  timeline(id: string): Promise<LightMyRequestResponse>;
  setStatus(id: string, body: Record<string, unknown>): Promise<LightMyRequestResponse>;
  history(customerId: string, query?: string): Promise<LightMyRequestResponse>;
}

export interface Counts {
  orders: number;
  items: number;
  history: number;
  outbox: number;
  idempotencyKeys: number;
  sagas: number;
}

/**
 * Starts the service for API tests. `saga: false` keeps every order PENDING (no relay runs), so
 * tests that count rows or need a PENDING order are not raced by the saga.
 */
export async function startApi(
  kind: DatabaseKind,
  options: { saga?: boolean; env?: Record<string, string> } = {},
): Promise<Api> {
  // A rate limiter would turn a busy test file into 429s; these tests are about the contract.
  const env = { RATE_LIMIT_MAX: '1000000', ...options.env };
  const t = await startTestService(kind, env, { background: options.saga ?? true });
  const { db } = t.service.database;
  const count = async (
    table:
      | 'orders'
      | 'order_items'
      | 'order_status_history'
      | 'outbox'
      | 'idempotency_keys'
      | 'saga_instances',
  ) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    t,
    as(subject, ...roles) {
      const caller: Caller = {
        async request(method, url, payload, headers = {}) {
          return t.service.app.inject({
            method,
            url,
            headers: {
              authorization: await t.bearer(subject, roles.length > 0 ? roles : ['customer']),
              ...headers,
            },
            ...(payload !== undefined && { payload: payload as Record<string, unknown> }),
          });
        },
        async placeOrder(body, headers) {
          const response = await caller.request('POST', '/api/orders', body, headers);
          expect(response.statusCode, response.body).toBe(201);
          return response.json();
        },
        getOrder: (id) => caller.request('GET', `/api/orders/${id}`),
        timeline: (id) => caller.request('GET', `/api/orders/${id}/timeline`),
        setStatus: (id, body) => caller.request('PUT', `/api/orders/${id}/status`, body),
        history: (customerId, query = '') =>
          caller.request('GET', `/api/orders/history/${customerId}${query}`),
      };
      return caller;
    },
    async counts() {
      const [orders, items, history, outbox, idempotencyKeys, sagas] = await Promise.all([
        count('orders'),
        count('order_items'),
        count('order_status_history'),
        count('outbox'),
        count('idempotency_keys'),
        count('saga_instances'),
      ]);
      return { orders, items, history, outbox, idempotencyKeys, sagas };
    },
    close: () => t.stop(),
  };
}

/** Waits until the saga has moved the order to `status`. */
export async function waitForStatus(api: Api, id: string, status: string): Promise<void> {
  const admin = api.as('admin-1', 'admin');
  await expect.poll(async () => (await admin.getOrder(id)).json().status, { timeout: 5_000 }).toBe(status);
}

/** Places an order for `customerId` and walks it (as admin) to `status` through the real API. */
export async function anOrderIn(
  api: Api,
  status: 'CONFIRMED' | 'PROCESSING' | 'SHIPPED' | 'DELIVERED',
  customerId = '123',
) {
  const admin = api.as('admin-1', 'admin');
  const order = await admin.placeOrder(orderBody({ customerId }));
  await waitForStatus(api, order.id, 'CONFIRMED');
  const path = ['PROCESSING', 'SHIPPED', 'DELIVERED'];
  for (const next of path.slice(0, path.indexOf(status) + 1)) {
    const response = await admin.setStatus(order.id, {
      status: next,
      ...(next === 'SHIPPED' && { trackingNumber: 'TRACK-1' }),
    });
    expect(response.statusCode, response.body).toBe(200);
  }
  return order.id;
}

/** The brief's example body, with any part replaced. */
export function orderBody(overrides: Record<string, unknown> = {}) {
  return {
    customerId: '123',
    items: [{ productId: '456', quantity: 2, price: 29.99 }],
    shippingAddress: { street: '123 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
    ...overrides,
  };
}

/** Asserts an RFC 9457 problem document with the given status; returns its body. */
export function expectProblem(response: LightMyRequestResponse, status: number) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json();
  expect(problem).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    instance: expect.stringMatching(/^\//),
  });
  return problem as {
    type: string;
    detail: string;
    instance: string;
    errors?: { field: string; message: string }[];
  };
}

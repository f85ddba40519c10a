import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../../support/prometheus-text.js';
import { startTestService, type TestService } from '../../support/test-service.js';

const anOrder = (customerId: string) => ({
  customerId,
  items: [{ productId: 'sku-1', quantity: 2, price: 10 }],
  shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
});

/** How far a sample moved since an earlier scrape. */
type Delta = (name: string, labels?: Record<string, string>) => number;

describe('/metrics', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService('sqlite', { OUTBOX_POLL_MS: '20' });
  });
  afterAll(async () => t?.stop());

  const scrape = async () => {
    const response = await t.service.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain; version=0.0.4');
    return parsePrometheusText(response.body);
  };

  async function placeConfirmedOrder(customerId: string): Promise<string> {
    const auth = await t.bearer(customerId);
    const created = await t.service.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { authorization: auth },
      payload: anOrder(customerId),
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    await expect
      .poll(
        async () =>
          (await t.service.app.inject({ url: `/api/orders/${id}`, headers: { authorization: auth } })).json()
            .status,
      )
      .toBe('CONFIRMED');
    return id;
  }

  it('counts a created order, its status changes, its payment and its saga', async () => {
    const before = await scrape();
    await placeConfirmedOrder('metrics-customer');
    const deltasSince = async (): Promise<Delta> => {
      const after = await scrape();
      return (name: string, labels: Record<string, string> = {}) =>
        sampleValue(after, name, labels) - sampleValue(before, name, labels);
    };
    const counts = (delta: Delta) => ({
      ordersCreated: delta('orders_created_total'),
      pendingToConfirmed: delta('order_status_changes_total', { from: 'PENDING', to: 'CONFIRMED' }),
      paymentsSucceeded: delta('payment_processing_total', { outcome: 'succeeded' }),
      paymentDurations: delta('payment_processing_duration_seconds_count'),
      sagasConfirmed: delta('saga_outcomes_total', { outcome: 'confirmed' }),
      sagaDurations: delta('saga_duration_seconds_count'),
      // The POST and the two replies, each alone in its transaction at this load.
      sharedTransactions: delta('db_shared_transaction_works_count'),
      sharedTransactionWorks: delta('db_shared_transaction_works_sum'),
      postsAnswered: delta('http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/orders',
        status_code: '201',
      }),
      paymentRepliesHandled: delta('message_processing_duration_seconds_count', {
        queue: 'order-service.replies',
        type: 'payment.succeeded',
      }),
      reserveCommandsHandled: delta('message_processing_duration_seconds_count', {
        queue: 'inventory.commands',
        type: 'inventory.reserve',
      }),
    });
    // Counters move once a commit has answered and a handler has returned, which can be a moment
    // after another reader already sees the order CONFIRMED: wait for them to settle, then check
    // that every one moved by exactly what one order causes.
    const expected = {
      ordersCreated: 1,
      pendingToConfirmed: 1,
      paymentsSucceeded: 1,
      paymentDurations: 1,
      sagasConfirmed: 1,
      sagaDurations: 1,
      sharedTransactions: 3,
      sharedTransactionWorks: 3,
      postsAnswered: 1,
      paymentRepliesHandled: 1,
      reserveCommandsHandled: 1,
    };
    await expect.poll(async () => counts(await deltasSince())).toEqual(expected);

    const delta = await deltasSince();
    expect(counts(delta)).toEqual(expected);
    // From the payment command to its reply: part of the saga, never longer than all of it.
    expect(delta('payment_processing_duration_seconds_sum')).toBeGreaterThanOrEqual(0);
    expect(delta('payment_processing_duration_seconds_sum')).toBeLessThanOrEqual(
      delta('saga_duration_seconds_sum'),
    );
  });

  it('counts a status change made through the API, and not one that was refused', async () => {
    const id = await placeConfirmedOrder('metrics-customer-2');
    const admin = await t.bearer('staff', ['admin']);
    const move = (status: string) =>
      t.service.app.inject({
        method: 'PUT',
        url: `/api/orders/${id}/status`,
        headers: { authorization: admin },
        payload: { status },
      });

    const before = await scrape();
    expect((await move('PROCESSING')).statusCode).toBe(200);
    expect((await move('DELIVERED')).statusCode).toBe(409);
    const after = await scrape();

    const changes = (to: string, from: string) =>
      sampleValue(after, 'order_status_changes_total', { from, to }) -
      sampleValue(before, 'order_status_changes_total', { from, to });
    expect(changes('PROCESSING', 'CONFIRMED')).toBe(1);
    expect(changes('DELIVERED', 'PROCESSING')).toBe(0);
    expect(
      sampleValue(after, 'errors_total', { kind: 'illegal_transition' }) -
        sampleValue(before, 'errors_total', { kind: 'illegal_transition' }),
    ).toBe(1);
  });

  it('labels HTTP timings with the route template and counts problems by kind', async () => {
    const before = await scrape();
    const auth = await t.bearer('someone');
    await t.service.app.inject({
      url: '/api/orders/0190c9a0-0000-7000-8000-000000000000',
      headers: { authorization: auth },
    });
    await t.service.app.inject({ url: '/api/orders/0190c9a0-0000-7000-8000-000000000000' });
    await t.service.app.inject({ url: '/no/such/route' });
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);

    expect(
      delta('http_request_duration_seconds_count', {
        method: 'GET',
        route: '/api/orders/:orderId',
        status_code: '404',
      }),
    ).toBe(1);
    expect(
      delta('http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' }),
    ).toBe(1);
    expect(delta('errors_total', { kind: 'not_found' })).toBe(2);
    expect(delta('errors_total', { kind: 'unauthenticated' })).toBe(1);
  });

  it('is a valid exposition with every promised family, its type, and no ids in labels', async () => {
    await placeConfirmedOrder('metrics-customer-3');
    const families = await scrape();
    const expected = {
      orders_created_total: 'counter',
      order_status_changes_total: 'counter',
      payment_processing_total: 'counter',
      payment_processing_duration_seconds: 'histogram',
      http_request_duration_seconds: 'histogram',
      errors_total: 'counter',
      message_processing_duration_seconds: 'histogram',
      saga_duration_seconds: 'histogram',
      saga_outcomes_total: 'counter',
      saga_backlog_limit_orders: 'gauge',
      db_shared_transaction_works: 'histogram',
      outbox_backlog_messages: 'gauge',
      outbox_oldest_message_age_seconds: 'gauge',
      process_cpu_seconds_total: 'counter',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_heap_size_used_bytes: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) expect(families.get(name)?.type, name).toBe(type);

    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
    for (const family of families.values()) {
      for (const sample of family.samples) {
        for (const value of Object.values(sample.labels)) expect(value, family.name).not.toMatch(uuid);
      }
    }

    const http = families.get('http_request_duration_seconds');
    const count = http?.samples.find((s) => s.name.endsWith('_count'));
    const inf = http?.samples.find(
      (s) =>
        s.labels.le === '+Inf' &&
        s.labels.route === count?.labels.route &&
        s.labels.method === count?.labels.method &&
        s.labels.status_code === count?.labels.status_code,
    );
    expect(inf?.value).toBe(count?.value);
    expect(sampleValue(families, 'outbox_backlog_messages')).toBeGreaterThanOrEqual(0);
  });
});

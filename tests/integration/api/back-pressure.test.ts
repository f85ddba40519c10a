import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, databases, expectProblem, orderBody, startApi } from './api-kit.js';

// `saga: false` keeps every order PENDING, so the saga's backlog is exactly the orders placed here.
// Load shedding (@fastify/under-pressure) answers 503 too when a busy machine delays the event
// loop; it is held off here so that every 503 these tests see is the saga backlog's.
const noShedding = { HEALTH_EVENT_LOOP_DELAY_MS: '600000', HEALTH_MEMORY_LIMIT_MB: '1048576' };
// Refused at once, without waiting for room (SAGA_BACKLOG_WAIT_MS): the refusal itself is tested.
const refuseAtOnce = { SAGA_BACKLOG_WAIT_MS: '0', ...noShedding };
describe.each(databases)('back-pressure on POST /api/orders on %s', (kind, available) => {
  let api: Api;
  beforeAll(async () => {
    if (available)
      api = await startApi(kind, { saga: false, env: { SAGA_BACKLOG_LIMIT: '2', ...refuseAtOnce } });
  });
  afterAll(async () => api?.close());
  const customer = () => api.as('123');

  it.skipIf(!available)('accepts orders while the backlog is under the limit', async () => {
    const response = await customer().request('POST', '/api/orders', orderBody());
    expect(response.statusCode).toBe(201);
  });

  it.skipIf(!available)(
    'answers 503 problem+json with Retry-After over the limit, and stores nothing',
    async () => {
      // The backlog count is cached for a moment, so orders may be accepted until the count
      // catches up; each one only deepens the backlog.
      await expect
        .poll(async () => (await customer().request('POST', '/api/orders', orderBody())).statusCode, {
          timeout: 10_000,
          interval: 100,
        })
        .toBe(503);
      const before = await api.counts();
      const refused = await customer().request('POST', '/api/orders', orderBody());
      expectProblem(refused, 503);
      expect(refused.headers['retry-after'], refused.body).toBe('1');
      expect(refused.json()).toMatchObject({ type: 'urn:problem:saga_backlog_full' });
      expect(await api.counts()).toEqual(before);
    },
  );

  it.skipIf(!available)(
    'refuses before reading the body: an invalid order gets the 503, not a 400',
    async () => {
      // Over the limit since the previous test. A refusal that validated the body first would
      // spend the CPU the saga needs on requests it is going to refuse anyway.
      const refused = await customer().request('POST', '/api/orders', { items: 'not a list' });
      expectProblem(refused, 503);
      expect(refused.json()).toMatchObject({ type: 'urn:problem:saga_backlog_full' });
      const unauthenticated = await api.t.service.app.inject({
        method: 'POST',
        url: '/api/orders',
        payload: {},
      });
      expect(unauthenticated.statusCode, 'the token is still checked first').toBe(401);
    },
  );

  it.skipIf(!available)('still answers reads while refusing new orders', async () => {
    const response = await customer().request('GET', '/api/orders/history/123');
    expect(response.statusCode).toBe(200);
  });
});

describe.each(databases)('the backlog limit under a burst on %s', (kind, available) => {
  let api: Api;
  beforeAll(async () => {
    if (available)
      api = await startApi(kind, { saga: false, env: { SAGA_BACKLOG_LIMIT: '3', ...refuseAtOnce } });
  });
  afterAll(async () => api?.close());

  it.skipIf(!available)(
    'admits exactly SAGA_BACKLOG_LIMIT orders, however fast they arrive after the count was read',
    async () => {
      // Each one admitted is counted against the cached figure until the count is read again,
      // so a burst inside the cache's lifetime cannot overshoot the limit.
      const statuses: number[] = [];
      for (let i = 0; i < 10; i += 1)
        statuses.push((await api.as('123').request('POST', '/api/orders', orderBody())).statusCode);
      expect(statuses.filter((status) => status === 201)).toHaveLength(3);
      expect(statuses.filter((status) => status === 503)).toHaveLength(7);
      expect((await api.counts()).orders).toBe(3);
    },
  );
});

describe.each(databases)('a POST over the limit waits for room on %s', (kind, available) => {
  let api: Api;
  beforeAll(async () => {
    if (available)
      api = await startApi(kind, {
        saga: false,
        env: { SAGA_BACKLOG_LIMIT: '1', SAGA_BACKLOG_WAIT_MS: '600', ...noShedding },
      });
  });
  afterAll(async () => api?.close());

  it.skipIf(!available)(
    'is admitted as soon as an order leaves the backlog, and the excess waits its turn',
    async () => {
      const first = await api.as('123').placeOrder(orderBody());
      let answered = false;
      const waiting = api
        .as('123')
        .request('POST', '/api/orders', orderBody())
        .finally(() => {
          answered = true;
        });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(answered, 'the second POST waits while the backlog is full').toBe(false);
      const cancelled = await api
        .as('ops', 'admin')
        .setStatus(first.id, { status: 'CANCELLED', reason: 'test' });
      expect(cancelled.statusCode).toBe(200);
      expect((await waiting).statusCode).toBe(201);
      expect((await api.counts()).orders).toBe(2);
    },
  );

  it.skipIf(!available)(
    'answers 503 with Retry-After once SAGA_BACKLOG_WAIT_MS has passed, and stores nothing',
    async () => {
      const before = await api.counts();
      const started = Date.now();
      const refused = await api.as('123').request('POST', '/api/orders', orderBody());
      expectProblem(refused, 503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(Date.now() - started).toBeGreaterThanOrEqual(550);
      expect(await api.counts()).toEqual(before);
    },
  );
});

describe.each(databases)('a saga too slow for SAGA_BACKLOG_TARGET_MS on %s', (kind, available) => {
  let api: Api;
  const most = 40;
  beforeAll(async () => {
    if (available)
      api = await startApi(kind, {
        env: {
          SAGA_BACKLOG_LIMIT: String(most),
          SAGA_BACKLOG_TARGET_MS: '50',
          SAGA_BACKLOG_WAIT_MS: '200',
          // Each participant takes 100 ms a command, a few commands at a time (the in-process bus
          // takes 10, RabbitMQ 5 here): the saga confirms at most ~50–100 orders a second, each in
          // 200 ms or more of its own, so 40 waiting orders are a queue well over 50 ms deep.
          SIM_LATENCY_MS: '100',
          RABBITMQ_PREFETCH: '5',
          ...noShedding,
        },
      });
  });
  afterAll(async () => api?.close());

  const limitNow = async () => {
    const metrics = await api.t.service.app.inject({ method: 'GET', url: '/metrics' });
    const line = /^saga_backlog_limit_orders (\d+)$/m.exec(metrics.body);
    if (!line) throw new Error('saga_backlog_limit_orders is missing from /metrics');
    return Number(line[1]);
  };

  it.skipIf(!available)(
    'lowers the backlog limit below SAGA_BACKLOG_LIMIT under overload, and keeps admitting orders as the saga confirms them',
    async () => {
      expect(await limitNow()).toBe(most);
      // First the saga unhurried, 25 orders a second for 3 s, so the limit learns its own time.
      const unhurried: Promise<unknown>[] = [];
      for (let i = 0; i < 75; i += 1) {
        unhurried.push(api.as('123').request('POST', '/api/orders', orderBody()));
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      await Promise.all(unhurried);
      expect(await limitNow(), 'nothing moves it below the limit').toBe(most);
      // Then twice as many clients as the limit, each placing orders back to back, until the limit
      // has moved (or 20 s have passed).
      let moved = false;
      const statuses: number[] = [];
      const client = async () => {
        while (!moved)
          statuses.push((await api.as('123').request('POST', '/api/orders', orderBody())).statusCode);
      };
      const clients = Array.from({ length: 2 * most }, client);
      const deadline = Date.now() + 20_000;
      let limit = most;
      while (Date.now() < deadline && limit >= most) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        limit = await limitNow();
      }
      moved = true;
      await Promise.all(clients);
      expect(limit).toBeLessThan(most);
      expect(limit, 'never below its floor').toBeGreaterThanOrEqual(8);
      expect(statuses.filter((status) => status === 201).length).toBeGreaterThan(most);
      expect(statuses.every((status) => status === 201 || status === 503)).toBe(true);
    },
    40_000,
  );
});

describe('back-pressure switched off', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi('sqlite', { saga: false, env: { SAGA_BACKLOG_LIMIT: '0', ...noShedding } });
  });
  afterAll(async () => api?.close());

  it('keeps accepting orders with some PENDING when SAGA_BACKLOG_LIMIT is 0', async () => {
    // Longer than the backlog count is cached, so a guard that were on would have seen them.
    const until = Date.now() + 1_000;
    let placed = 0;
    while (Date.now() < until || placed < 3) {
      const response = await api.as('123').request('POST', '/api/orders', orderBody());
      expect(response.statusCode).toBe(201);
      placed += 1;
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMariaDb } from '../../support/services.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { startTestService, type TestService } from '../../support/test-service.js';

const available = await requireMariaDb();
const deadlineMs = 1_500;

const anOrder = {
  customerId: 'c-outage',
  items: [{ productId: 'sku-1', quantity: 1, price: 10 }],
  shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
};

/** MariaDB behind a proxy the test cuts, stalls, or drops during COMMIT. */
describe.skipIf(!available)('requests while MariaDB is unavailable', () => {
  let proxy: TcpProxy;
  let t: TestService;
  beforeAll(async () => {
    proxy = await startTcpProxy({
      host: process.env.MYSQL_HOST || '127.0.0.1',
      port: Number(process.env.MYSQL_PORT || 3306),
    });
    t = await startTestService(
      'mysql',
      {
        MYSQL_HOST: '127.0.0.1',
        MYSQL_PORT: String(proxy.port),
        HTTP_REQUEST_DEADLINE_MS: String(deadlineMs),
        // Admission on, as in production: it reads the saga backlog before the body.
        SAGA_BACKLOG_LIMIT: '1000',
        // Load shedding answers 503 too, when a loaded machine delays the event loop; not what is tested here.
        HEALTH_EVENT_LOOP_DELAY_MS: '60000',
      },
      { background: false },
    );
  });
  afterAll(async () => {
    proxy?.restore();
    await t?.stop();
    await proxy?.close();
  });

  const post = async () =>
    t.service.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { authorization: await t.bearer('c-outage') },
      payload: anOrder,
    });
  const expectRetryLater = (response: Awaited<ReturnType<typeof post>>, type: string) => {
    expect(response.statusCode, response.body).toBe(503);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(response.json(), response.body).toMatchObject({ type, status: 503 });
  };

  it('answers 503 deadline_exceeded with Retry-After at its deadline, counted from arrival, while the database stalls, over a real socket', async () => {
    expect((await post()).statusCode).toBe(201);
    // Over a real socket: Node marks a fully read POST body "closed", which is where Fastify's own
    // handlerTimeout gives up; inject alone would not show that.
    const url = await t.service.app.listen({ port: 0, host: '127.0.0.1' });
    proxy.stall();
    // Past the admission's cached backlog (250 ms): its read, before the body, meets the stall too.
    await new Promise((resolve) => setTimeout(resolve, 300));
    try {
      const started = Date.now();
      const response = await fetch(`${url}/api/orders`, {
        method: 'POST',
        headers: { authorization: await t.bearer('c-outage'), 'content-type': 'application/json' },
        body: JSON.stringify(anOrder),
      });
      const elapsed = Date.now() - started;
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await response.json()).toMatchObject({ type: 'urn:problem:deadline_exceeded', status: 503 });
      expect(elapsed).toBeGreaterThanOrEqual(deadlineMs - 50);
      // The deadline counts the hooks before the body (the backlog read waits up to 1 s) too.
      expect(elapsed).toBeLessThan(deadlineMs + 700);
    } finally {
      proxy.restore();
    }
  });

  it('answers a GET 503 deadline_exceeded at its deadline while the database stalls (a request without a body keeps its first timer)', async () => {
    const created = await post();
    expect(created.statusCode).toBe(201);
    const { id } = created.json() as { id: string };
    proxy.stall();
    try {
      const started = Date.now();
      const response = await t.service.app.inject({
        url: `/api/orders/${id}`,
        headers: { authorization: await t.bearer('c-outage') },
      });
      const elapsed = Date.now() - started;
      expectRetryLater(response, 'urn:problem:deadline_exceeded');
      expect(elapsed).toBeGreaterThanOrEqual(deadlineMs - 50);
      expect(elapsed).toBeLessThan(deadlineMs + 700);
    } finally {
      proxy.restore();
    }
  });

  it('answers 503 unavailable with Retry-After while the database refuses connections', async () => {
    await expect.poll(async () => (await post()).statusCode, { timeout: 10_000 }).toBe(201);
    proxy.cut();
    try {
      expectRetryLater(await post(), 'urn:problem:unavailable');
      const get = await t.service.app.inject({
        url: '/api/orders/0190a000-0000-7000-8000-000000000001',
        headers: { authorization: await t.bearer('staff', ['admin']) },
      });
      expect(get.statusCode).toBe(503);
      expect(get.json()).toMatchObject({ type: 'urn:problem:unavailable' });
    } finally {
      proxy.restore();
    }
    await expect.poll(async () => (await post()).statusCode, { timeout: 10_000 }).toBe(201);
  });

  it('answers 201 when the connection is lost during COMMIT of an order that was in fact stored', async () => {
    await expect.poll(async () => (await post()).statusCode, { timeout: 10_000 }).toBe(201);
    // The COM_QUERY packet of `commit`: forwarded to the server, then the connection is dropped.
    proxy.dropAfterClientSends(new RegExp(`${String.fromCharCode(3)}commit`, 'i'));
    const response = await post();
    expect(response.statusCode).toBe(201);
    const { id } = response.json() as { id: string };
    const stored = await t.service.database.db
      .selectFrom('orders')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    expect(stored?.id).toBe(id);
  });
});

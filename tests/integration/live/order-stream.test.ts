import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../src/application/access.js';
import { requireMariaDb, requireRabbitMq } from '../../support/services.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { adminConnection, deleteTopology, uniquePrefix } from '../messaging/rabbitmq-kit.js';

const anOrder = (customerId: string) => ({
  customerId,
  items: [{ productId: 'sku-live', quantity: 1, price: 3.5 }],
  shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
});

interface Change {
  type: string;
  orderId: string;
  customerId: string | null;
  status: string | null;
}

/** Reads `/api/orders/stream` over a real socket with fetch, as the console does. */
async function openStream(t: TestService, base: string, subject: string, roles: Role[]) {
  const controller = new AbortController();
  const response = await fetch(`${base}/api/orders/stream`, {
    headers: { authorization: await t.bearer(subject, roles) },
    signal: controller.signal,
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const changes: Change[] = [];
  const comments: string[] = [];
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of block.split('\n')) {
          if (line.startsWith('data: ')) changes.push(JSON.parse(line.slice(6)) as Change);
          if (line.startsWith(': ')) comments.push(line.slice(2));
        }
      }
    }
  })();
  return {
    response,
    changes,
    comments,
    async close() {
      controller.abort();
      await pump;
    },
  };
}

async function place(t: TestService, customerId: string): Promise<string> {
  const response = await t.service.app.inject({
    method: 'POST',
    url: '/api/orders',
    headers: { authorization: await t.bearer(customerId) },
    payload: anOrder(customerId),
  });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

function liveStreamTests(start: () => Promise<TestService>) {
  let t: TestService;
  let base: string;
  beforeAll(async () => {
    t = await start();
    await t.service.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.service.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => t.stop());

  it('refuses a stream without a token with 401 problem+json', async () => {
    const response = await fetch(`${base}/api/orders/stream`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('streams every order change to staff as server-sent events, the saga outcome included', async () => {
    const stream = await openStream(t, base, 'ops', ['admin']);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const id = await place(t, 'c-live-staff');
    await expect
      .poll(() => stream.changes.filter((change) => change.orderId === id).map((change) => change.type), {
        timeout: 15_000,
      })
      .toEqual(expect.arrayContaining(['order.created', 'order.confirmed']));
    expect(stream.changes.find((change) => change.type === 'order.confirmed')).toMatchObject({
      customerId: 'c-live-staff',
      status: 'CONFIRMED',
    });
    await stream.close();
  });

  it("gives a customer only its own orders' changes", async () => {
    const stream = await openStream(t, base, 'c-live-mine', ['customer']);
    const theirs = await place(t, 'c-live-theirs');
    const mine = await place(t, 'c-live-mine');
    await expect
      .poll(
        () => stream.changes.some((change) => change.orderId === mine && change.type === 'order.confirmed'),
        {
          timeout: 15_000,
        },
      )
      .toBe(true);
    // The other customer's order was placed first, so its events would have arrived by now.
    expect(stream.changes.filter((change) => change.orderId === theirs)).toEqual([]);
    expect(new Set(stream.changes.map((change) => change.customerId))).toEqual(new Set(['c-live-mine']));
    await stream.close();
  });

  it('sends heartbeat comments on an idle stream', async () => {
    const stream = await openStream(t, base, 'ops', ['service']);
    await expect.poll(() => stream.comments.includes('heartbeat'), { timeout: 10_000 }).toBe(true);
    await stream.close();
  });
}

describe('GET /api/orders/stream, embedded shape (SQLite, in-process bus)', () => {
  liveStreamTests(() =>
    startTestService('sqlite', {
      RATE_LIMIT_MAX: '0',
      SSE_HEARTBEAT_MS: '200',
      HEALTH_EVENT_LOOP_DELAY_MS: '60000',
      HEALTH_MEMORY_LIMIT_MB: '100000',
    }),
  );
});

const connected = (await requireMariaDb()) && (await requireRabbitMq());

describe.skipIf(!connected)('GET /api/orders/stream, connected shape (MariaDB, RabbitMQ)', () => {
  const prefix = uniquePrefix();
  afterAll(async () => {
    const admin = adminConnection();
    await deleteTopology(admin, prefix);
    await admin.close();
  });
  liveStreamTests(() =>
    startTestService('mysql', {
      RABBITMQ_HOST: process.env.RABBITMQ_HOST || '127.0.0.1',
      RABBITMQ_NAME_PREFIX: prefix,
      SIMULATORS_EMBEDDED: 'true',
      OUTBOX_POLL_MS: '50',
      RATE_LIMIT_MAX: '0',
      SSE_HEARTBEAT_MS: '200',
      // Load shedding is tested elsewhere; a busy shared machine must not turn these into 503s.
      HEALTH_EVENT_LOOP_DELAY_MS: '60000',
      HEALTH_MEMORY_LIMIT_MB: '100000',
    }),
  );
});

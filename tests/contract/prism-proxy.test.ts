import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/services.js';
import { startTestService, type TestService } from '../support/test-service.js';

/**
 * Stoplight Prism, run as a validating proxy in front of the real service (embedded shape, on a
 * real port), judges each exchange against the OpenAPI document the service serves at
 * /docs/json (written to a file for Prism). Prism reports what it finds in an `sl-violations`
 * header; the service's own conformance hook (tests/support) is a second, independent check of
 * the same responses.
 */

interface Violation {
  location: string[];
  severity: string;
  code: string | number;
  message: string;
}

interface ServedDocument {
  components: { schemas: { Order: { properties: Record<string, unknown> } } };
}

interface Exchange {
  status: number;
  headers: Headers;
  body: string;
  requestViolations: string[];
  responseViolations: string[];
}

const prismCli = createRequire(import.meta.url).resolve('@stoplight/prism-cli/dist/index.js');

/** Starts `prism proxy <document> <upstream>` and resolves once it listens; its output is kept for failures. */
async function startPrism(document: string, upstream: string): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [prismCli, 'proxy', document, upstream, '--host', '127.0.0.1', '--port', String(port), '--cors', 'false'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start in 25 s:\n${output}`)), 25_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited with ${code}:\n${output}`));
    });
  });
  await ready;
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

function describeViolations(header: string | null, side: 'request' | 'response'): string[] {
  if (!header) return [];
  return (JSON.parse(header) as Violation[])
    .filter((v) => v.location[0] === side)
    .map((v) => `${v.location.join('.')}: ${v.message} (${v.code})`);
}

describe('Prism, as a validating proxy, finds every exchange conforming to the served OpenAPI document', () => {
  let t: TestService;
  let service: string;
  let prism: { url: string; stop: () => void };
  let served: ServedDocument;
  let dir: string;
  let customer: string;
  let someoneElse: string;
  let admin: string;
  let fulfilment: string;

  beforeAll(async () => {
    t = await startTestService('sqlite');
    service = await t.service.app.listen({ port: 0, host: '127.0.0.1' });
    // The document as the running service serves it, handed to Prism as a file.
    served = (await (await fetch(`${service}/docs/json`)).json()) as ServedDocument;
    dir = mkdtempSync(join(tmpdir(), 'prism-'));
    const document = join(dir, 'served.json');
    writeFileSync(document, JSON.stringify(served));
    prism = await startPrism(document, service);
    customer = await t.bearer('prism-customer');
    someoneElse = await t.bearer('prism-someone-else');
    admin = await t.bearer('prism-ops', ['admin']);
    fulfilment = await t.bearer('prism-fulfilment', ['service']);
  }, 40_000);
  afterAll(async () => {
    prism?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await t?.stop();
  });

  async function call(
    method: string,
    path: string,
    options: { auth?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<Exchange> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.auth) headers.authorization = options.auth;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${prism.url}${path}`, { method, headers, body });
    const violations = response.headers.get('sl-violations');
    return {
      status: response.status,
      headers: response.headers,
      body: await response.text(),
      requestViolations: describeViolations(violations, 'request'),
      responseViolations: describeViolations(violations, 'response'),
    };
  }

  /** A request the document allows, answered (success or refusal) as the document says. */
  function expectConforming(exchange: Exchange, status: number) {
    expect(exchange.requestViolations, 'request violations').toEqual([]);
    expect(exchange.responseViolations, 'response violations').toEqual([]);
    expect(exchange.status, exchange.body).toBe(status);
  }

  /** A request both Prism and the service refuse, answered with a documented problem. */
  function expectRefused(exchange: Exchange, status: number) {
    expect(exchange.requestViolations, 'Prism should see the request as invalid too').not.toEqual([]);
    expect(exchange.responseViolations, 'response violations').toEqual([]);
    expect(exchange.status, exchange.body).toBe(status);
    expect(exchange.headers.get('content-type')).toContain('application/problem+json');
  }

  const anOrder = {
    customerId: 'prism-customer',
    items: [
      { productId: 'sku-a', quantity: 2, price: 12.5 },
      { productId: 'sku-b', quantity: 1, price: 7.25 },
    ],
    shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
  };

  async function confirmedOrder(): Promise<string> {
    const created = await call('POST', '/api/orders', { auth: customer, body: anOrder });
    expectConforming(created, 201);
    const id = JSON.parse(created.body).id as string;
    await expect
      .poll(async () => {
        const read = await call('GET', `/api/orders/${id}`, { auth: customer });
        expectConforming(read, 200);
        return JSON.parse(read.body).status;
      })
      .toBe('CONFIRMED');
    return id;
  }

  it('an order through its life: placed, confirmed, shipped in two parts, refunded, read back', async () => {
    const id = await confirmedOrder();
    expectConforming(await call('GET', `/api/orders/${id}/timeline`, { auth: customer }), 200);

    const ship = (productId: string, quantity: number, trackingNumber: string) =>
      call('POST', `/api/orders/${id}/shipments`, {
        auth: fulfilment,
        body: { items: [{ productId, quantity }], trackingNumber, carrier: 'UPS' },
      });
    expectConforming(await ship('sku-a', 2, 'TRK-A'), 201);
    expectConforming(await ship('sku-b', 1, 'TRK-B'), 201);
    const refund = await call('POST', `/api/orders/${id}/refunds`, {
      auth: admin,
      body: { amount: 5, reason: 'scratched on arrival' },
    });
    expectConforming(refund, 202);

    const shipped = await call('GET', `/api/orders/${id}`, { auth: customer });
    expectConforming(shipped, 200);
    expect(JSON.parse(shipped.body)).toMatchObject({ status: 'SHIPPED', shipments: [{}, {}], refunds: [{}] });
  });

  it('the brief’s status update, cancellation and an illegal transition', async () => {
    const shipped = await confirmedOrder();
    expectConforming(
      await call('PUT', `/api/orders/${shipped}/status`, {
        auth: admin,
        body: { status: 'SHIPPED', trackingNumber: '1Z999AA10123456784' },
      }),
      200,
    );
    const illegal = await call('PUT', `/api/orders/${shipped}/status`, {
      auth: admin,
      body: { status: 'PENDING' },
    });
    // A well-formed request the order's state refuses: Prism sees a valid request.
    expectConforming(illegal, 409);

    const cancelled = await confirmedOrder();
    expectConforming(
      await call('PUT', `/api/orders/${cancelled}/status`, {
        auth: customer,
        body: { status: 'CANCELLED', reason: 'changed my mind' },
      }),
      200,
    );
  });

  it('an idempotent retry answers the same order, marked as replayed', async () => {
    const headers = { 'idempotency-key': 'prism-retry-0001' };
    const first = await call('POST', '/api/orders', { auth: customer, body: anOrder, headers });
    const again = await call('POST', '/api/orders', { auth: customer, body: anOrder, headers });
    expectConforming(first, 201);
    expectConforming(again, 201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(JSON.parse(again.body).id).toBe(JSON.parse(first.body).id);
  });

  it('lists, search, analytics, operations and dead letters', async () => {
    await confirmedOrder();
    expectConforming(
      await call('GET', '/api/customers/prism-customer/orders?limit=5', { auth: customer }),
      200,
    );
    expectConforming(await call('GET', '/api/orders/search?status=CONFIRMED&limit=5', { auth: admin }), 200);
    expectConforming(await call('GET', '/api/orders/analytics/summary', { auth: admin }), 200);
    expectConforming(await call('GET', '/api/orders/analytics/timeseries', { auth: admin }), 200);
    expectConforming(await call('GET', '/api/orders/analytics/top-products', { auth: admin }), 200);
    expectConforming(await call('GET', '/api/admin/operations', { auth: admin }), 200);
    expectConforming(await call('GET', '/api/admin/dead-letters', { auth: admin }), 200);
    expectConforming(await call('GET', '/health/live'), 200);
    expectConforming(await call('GET', '/health/ready'), 200);
    expectConforming(await call('GET', '/metrics', { headers: { accept: 'text/plain' } }), 200);
  });

  it('bad input, no token, someone else’s order and a refused role get documented problems', async () => {
    expectRefused(
      await call('POST', '/api/orders', { auth: customer, body: { ...anOrder, items: [] } }),
      400,
    );
    expectRefused(
      await call('POST', '/api/orders', {
        auth: customer,
        rawBody: 'customerId=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
    );
    expectRefused(await call('GET', '/api/orders/search?limit=100000', { auth: admin }), 400);
    const tooLarge = await call('POST', '/api/orders', {
      auth: customer,
      body: { ...anOrder, shippingAddress: { ...anOrder.shippingAddress, street: 'x'.repeat(70_000) } },
    });
    expect(tooLarge.responseViolations).toEqual([]);
    expect(tooLarge.status).toBe(413);
    expectRefused(await call('GET', '/api/orders/0190c9a0-0000-7000-8000-000000000000'), 401);

    const id = await confirmedOrder();
    const hidden = await call('GET', `/api/orders/${id}`, { auth: someoneElse });
    expectConforming(hidden, 404);
    const forbidden = await call('GET', '/api/customers/prism-someone-else/orders', { auth: customer });
    expectConforming(forbidden, 403);
  });

  it('admin operations answer their documented problems: a customer refused, an unknown letter missing', async () => {
    // Well-formed requests the service refuses: each answer must be one the document declares.
    const unknownLetter = '/api/admin/dead-letters/0190c9a0-0000-7000-8000-00000000dead';
    for (const [method, path, auth, status] of [
      ['GET', '/api/admin/operations', customer, 403],
      ['GET', '/api/admin/dead-letters', customer, 403],
      ['POST', `${unknownLetter}/replay`, admin, 404],
      ['DELETE', unknownLetter, admin, 404],
    ] as const) {
      const answer = await call(method, path, { auth });
      expectConforming(answer, status);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('reports a response that breaks the document (control: a copy whose Order.totalAmount is a string)', async () => {
    const tampered = structuredClone(served);
    tampered.components.schemas.Order.properties.totalAmount = { type: 'string' };
    const document = join(dir, 'tampered.json');
    writeFileSync(document, JSON.stringify(tampered));
    const strict = await startPrism(document, service);
    try {
      const id = await confirmedOrder();
      const response = await fetch(`${strict.url}/api/orders/${id}`, {
        headers: { authorization: customer },
      });
      const found = describeViolations(response.headers.get('sl-violations'), 'response');
      expect(found.join('\n')).toMatch(/totalAmount/);
    } finally {
      strict.stop();
    }
  });
});

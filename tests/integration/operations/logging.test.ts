import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { createService, type Service } from '../../../src/service.js';
import { signToken, testSecret } from '../../support/test-service.js';

type Line = Record<string, unknown>;

/** The real service with its logs captured, at debug level, as JSON lines. */
describe('logs', () => {
  const lines: Line[] = [];
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n').filter(Boolean)) {
        raw.push(text);
        lines.push(JSON.parse(text) as Line);
      }
      done();
    },
  });
  const config = loadConfig({
    ENV: 'test',
    JWT_SECRET: testSecret,
    SQLITE_PATH: ':memory:',
    LOG_LEVEL: 'debug',
  });
  const logger = createLogger(config, sink);
  let service: Service;
  beforeAll(async () => {
    service = await createService(config, logger, { migrate: true });
  });
  afterAll(async () => service?.stop());

  it('carry the order id as correlationId, with messageId and type, in message handlers', async () => {
    const token = await signToken({ sub: 'log-customer', roles: ['customer'] });
    const created = await service.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'log-test-request' },
      payload: {
        customerId: 'log-customer',
        items: [{ productId: 'sku-1', quantity: 1, price: 5 }],
        shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
      },
    });
    const orderId = created.json().id as string;
    await expect
      .poll(() =>
        lines.find((line) => line.msg === 'saga reply handled' && line.type === 'payment.succeeded'),
      )
      .toBeDefined();

    const reply = lines.find(
      (line) => line.msg === 'saga reply handled' && line.type === 'payment.succeeded',
    );
    expect(reply).toMatchObject({
      correlationId: orderId,
      queue: 'order-service.replies',
      messageId: expect.any(String),
    });
    // Lines written deeper down (the simulators) carry the same context without being handed it.
    const simulator = lines.find(
      (line) => line.msg === 'simulator replied' && line.type === 'payment.process',
    );
    expect(simulator).toMatchObject({ correlationId: orderId, queue: 'payment.commands' });
    // The line per request is written without redaction (app.ts): it must hold no header at all.
    const completed = lines.find(
      (line) => line.reqId === 'log-test-request' && line.msg === 'request completed',
    );
    expect(completed).toMatchObject({
      req: { method: 'POST', url: '/api/orders' },
      res: { statusCode: 201 },
      responseTime: expect.any(Number),
    });
    const serialized = ['method', 'url', 'host', 'remoteAddress', 'remotePort'];
    expect(Object.keys(completed?.req as object).filter((key) => !serialized.includes(key))).toEqual([]);
    expect(JSON.stringify(completed)).not.toMatch(/authorization|headers/i);
    // The bearer token sent with the request is nowhere in the output.
    expect(raw.some((text) => text.includes(token))).toBe(false);
  });

  it('redact the Authorization header and secrets wherever they are logged', () => {
    const connected = { ...config, database: { kind: 'mysql', password: 'database-password-never-logged' } };
    logger.info(
      { req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'session=1' } }, config: connected },
      'a careless line',
    );
    const line = lines.find((entry) => entry.msg === 'a careless line') as Line & {
      req: { headers: Record<string, string> };
      config: { jwt: { secret: string }; database: { password: string } };
    };
    expect(line.req.headers.authorization).toBe('[redacted]');
    expect(line.req.headers.cookie).toBe('[redacted]');
    expect(line.config.jwt.secret).toBe('[redacted]');
    expect(line.config.database.password).toBe('[redacted]');
    expect(raw.some((text) => text.includes(testSecret))).toBe(false);
    expect(raw.some((text) => text.includes('Bearer abc.def.ghi'))).toBe(false);
    expect(raw.some((text) => text.includes('database-password-never-logged'))).toBe(false);
  });
});

/** Refusals under overload come by the thousand a second: they must not each become a log line. */
describe('logs under back-pressure', () => {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  // No background work: every order stays PENDING, so the backlog is exactly the orders placed.
  const config = loadConfig({
    ENV: 'test',
    JWT_SECRET: testSecret,
    SQLITE_PATH: ':memory:',
    LOG_LEVEL: 'info',
    SAGA_BACKLOG_LIMIT: '1',
    SAGA_BACKLOG_WAIT_MS: '0',
  });
  let service: Service;
  beforeAll(async () => {
    service = await createService(config, createLogger(config, sink), { migrate: true, background: false });
  });
  afterAll(async () => service?.stop());

  it('say once that the backlog is full, and log no line per refused request', async () => {
    const token = await signToken({ sub: 'busy-customer', roles: ['customer'] });
    const post = () =>
      service.app.inject({
        method: 'POST',
        url: '/api/orders',
        headers: { authorization: `Bearer ${token}` },
        payload: {
          customerId: 'busy-customer',
          items: [{ productId: 'sku-1', quantity: 1, price: 5 }],
          shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
        },
      });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await post()).statusCode);
    expect(statuses).toEqual([201, 503, 503, 503, 503]);

    const full = lines.filter((line) => line.msg === 'saga backlog full: refusing new orders with 503');
    expect(full).toHaveLength(1);
    expect(full[0]).toMatchObject({ level: 40, backlog: 1, limit: 1 });
    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(completed.map((line) => (line.res as { statusCode: number }).statusCode)).toEqual([201]);
  });
});

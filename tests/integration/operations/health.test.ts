import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulators } from '../../../src/infrastructure/participants/start-simulators.js';
import { participantStore } from '../../support/participant-store.js';
import { requireMariaDb, requireRabbitMq } from '../../support/services.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { adminConnection, deleteTopology, testBus, uniquePrefix } from '../messaging/rabbitmq-kit.js';

const mariaDb = await requireMariaDb();
const rabbitMq = await requireRabbitMq();

const ready = async (t: TestService) => {
  const response = await t.service.app.inject({ url: '/health/ready' });
  return { status: response.statusCode, body: response.json() };
};

describe('health on the embedded shape', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService('sqlite');
  });
  afterAll(async () => t?.stop());

  it('answers liveness without a token', async () => {
    const response = await t.service.app.inject({ url: '/health/live' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('reports every dependency the brief lists, and is ready', async () => {
    const { status, body } = await ready(t);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.failing).toEqual([]);
    expect(Object.keys(body.checks).sort()).toEqual(
      ['database', 'eventLoop', 'memory', 'messageBroker', 'outbox', 'participants'].sort(),
    );
    expect(body.checks.database).toMatchObject({ status: 'ok', latencyMs: expect.any(Number) });
    expect(body.checks.memory).toMatchObject({
      status: 'ok',
      rssBytes: expect.any(Number),
      limitBytes: 1024 ** 3,
    });
    expect(body.checks.outbox).toMatchObject({ status: 'ok', backlog: expect.any(Number) });
  });

  it('is listed in the OpenAPI document without security', async () => {
    const doc = (await t.service.app.inject({ url: '/openapi.json' })).json();
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      expect(doc.paths[path].get.tags).toEqual(['operations']);
      expect(doc.paths[path].get.security).toEqual([]);
    }
  });
});

describe('readiness under memory pressure', () => {
  it('reports memory above HEALTH_MEMORY_LIMIT_MB as not ready', async () => {
    const t = await startTestService('sqlite', { HEALTH_MEMORY_LIMIT_MB: '16' });
    try {
      const { status, body } = await ready(t);
      expect(status).toBe(503);
      expect(body.failing).toContain('memory');
    } finally {
      await t.stop();
    }
  });
});

describe.skipIf(!mariaDb)('readiness when MariaDB becomes unreachable', () => {
  let proxy: TcpProxy;
  let t: TestService;
  beforeAll(async () => {
    proxy = await startTcpProxy({
      host: process.env.MYSQL_HOST || '127.0.0.1',
      port: Number(process.env.MYSQL_PORT || 3306),
    });
    t = await startTestService('mysql', { MYSQL_HOST: '127.0.0.1', MYSQL_PORT: String(proxy.port) });
  });
  afterAll(async () => {
    proxy?.restore();
    await t?.stop();
    await proxy?.close();
  });

  it('turns 503 naming the database, then 200 when it is back', async () => {
    await expect.poll(async () => (await ready(t)).status).toBe(200);
    proxy.cut();
    await expect.poll(async () => (await ready(t)).status, { timeout: 10_000 }).toBe(503);
    const { body } = await ready(t);
    expect(body.failing).toContain('database');
    expect(body.checks.database.status).toBe('fail');
    proxy.restore();
    // Within 2 s of its return (plus a poll interval's slack): a load balancer must not keep it out.
    const back = Date.now();
    await expect.poll(async () => (await ready(t)).status, { timeout: 10_000, interval: 100 }).toBe(200);
    expect(Date.now() - back).toBeLessThan(2_500);
  });
});

describe.skipIf(!rabbitMq)('readiness when RabbitMQ is unreachable', () => {
  const prefix = uniquePrefix();
  let proxy: TcpProxy;
  let t: TestService;
  beforeAll(async () => {
    proxy = await startTcpProxy({
      host: process.env.RABBITMQ_HOST || '127.0.0.1',
      port: Number(process.env.RABBITMQ_PORT || 5672),
    });
    // The broker is away before the service starts: start-up must neither wait for it nor fail.
    proxy.cut();
    t = await startTestService(
      'sqlite',
      {
        RABBITMQ_HOST: '127.0.0.1',
        RABBITMQ_PORT: String(proxy.port),
        RABBITMQ_NAME_PREFIX: prefix,
        SIMULATORS_EMBEDDED: 'true',
      },
      { waitForBroker: false },
    );
  });
  afterAll(async () => {
    proxy?.restore();
    await t?.stop();
    await proxy?.close();
    const admin = adminConnection();
    await deleteTopology(admin, prefix);
    await admin.close();
  });

  it('starts without it: live, not ready naming the broker, and ready once it answers', async () => {
    expect((await t.service.app.inject({ url: '/health/live' })).statusCode).toBe(200);
    const { status, body } = await ready(t);
    expect(status).toBe(503);
    expect(body.failing).toEqual(['messageBroker']);
    expect(body.checks.messageBroker).toMatchObject({ status: 'fail', broker: 'rabbitmq' });
    proxy.restore();
    await expect.poll(async () => (await ready(t)).status, { timeout: 5_000 }).toBe(200);
  });

  it('stays ready, degraded, when the connection is lost later, and turns ok when it is back', async () => {
    await expect.poll(async () => (await ready(t)).body.checks.messageBroker.status).toBe('ok');
    proxy.cut();
    await expect
      .poll(async () => (await ready(t)).body.checks.messageBroker.status, { timeout: 5_000 })
      .toBe('degraded');
    const { status, body } = await ready(t);
    expect(status).toBe(200);
    expect(body.checks.messageBroker).toMatchObject({ status: 'degraded', broker: 'rabbitmq' });
    proxy.restore();
    await expect
      .poll(async () => (await ready(t)).body.checks.messageBroker.status, { timeout: 5_000 })
      .toBe('ok');
  });
});

describe.skipIf(!rabbitMq)('readiness with external participants', () => {
  const prefix = uniquePrefix();
  let t: TestService;
  let simulators: { close(): Promise<void> } | undefined;
  let participantsBus: Awaited<ReturnType<typeof testBus>> | undefined;
  beforeAll(async () => {
    t = await startTestService('sqlite', {
      RABBITMQ_HOST: process.env.RABBITMQ_HOST || '127.0.0.1',
      RABBITMQ_NAME_PREFIX: prefix,
      SIMULATORS_EMBEDDED: 'false',
    });
  });
  afterAll(async () => {
    await simulators?.close();
    await participantsBus?.close();
    await t?.stop();
    const admin = adminConnection();
    await deleteTopology(admin, prefix);
    await admin.close();
  });

  it('reports participants without consumers as degraded but stays ready, then ok once they consume', async () => {
    const before = await ready(t);
    expect(before.status).toBe(200);
    expect(before.body.checks.participants).toMatchObject({
      status: 'degraded',
      consumers: { 'inventory.commands': 0, 'payment.commands': 0 },
    });
    participantsBus = await testBus(prefix);
    simulators = startSimulators(participantsBus, {
      logger: pino({ level: 'silent' }),
      store: await participantStore(),
    });
    await expect
      .poll(async () => (await ready(t)).body.checks.participants, { timeout: 5_000 })
      .toMatchObject({ status: 'ok', consumers: { 'inventory.commands': 1, 'payment.commands': 1 } });
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMariaDb, requireRabbitMq } from '../../support/services.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { adminConnection, deleteTopology, uniquePrefix } from '../messaging/rabbitmq-kit.js';

const available = (await requireMariaDb()) && (await requireRabbitMq());

/** `npm run simulators` is what the connected shape runs beside the service: the real entry point, in its own process. */
describe.skipIf(!available)('the simulator process (npm run simulators)', () => {
  const prefix = uniquePrefix();
  let simulators: ChildProcess;
  let t: TestService;

  beforeAll(async () => {
    const broker = {
      RABBITMQ_HOST: process.env.RABBITMQ_HOST || '127.0.0.1',
      RABBITMQ_PORT: process.env.RABBITMQ_PORT || '5672',
      RABBITMQ_NAME_PREFIX: prefix,
    };
    simulators = spawn(process.execPath, ['--import', 'tsx', 'src/simulators-main.ts'], {
      // Production, and no JWT secret: the simulators verify no tokens.
      env: {
        PATH: process.env.PATH,
        ENV: 'production',
        LOG_LEVEL: 'info',
        ...broker,
        SIM_STOCK: '{"sold-out":0}',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`simulators did not start:\n${output}`)), 15_000);
      simulators.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('simulators serving')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    t = await startTestService('mysql', { ...broker, SIMULATORS_EMBEDDED: 'false' });
  });
  afterAll(async () => {
    await t?.stop();
    if (simulators && simulators.exitCode === null) {
      simulators.kill('SIGTERM');
      await once(simulators, 'exit');
    }
    const admin = adminConnection();
    await deleteTopology(admin, prefix);
    await admin.close();
  });

  const place = async (productId: string) => {
    const response = await t.service.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { authorization: await t.bearer('c-process') },
      payload: {
        customerId: 'c-process',
        items: [{ productId, quantity: 1, price: 12.5 }],
        shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
      },
    });
    return response.json().id as string;
  };
  const statusOf = async (id: string) =>
    (
      await t.service.app.inject({
        url: `/api/orders/${id}`,
        headers: { authorization: await t.bearer('c-process') },
      })
    ).json().status;

  it('answers the saga over RabbitMQ: one order confirmed, one out of stock', async () => {
    const confirmed = await place('sku-1');
    const soldOut = await place('sold-out');
    await expect.poll(() => statusOf(confirmed), { timeout: 10_000 }).toBe('CONFIRMED');
    await expect.poll(() => statusOf(soldOut), { timeout: 10_000 }).toBe('CANCELLED');
  });

  it('stops cleanly on SIGTERM', async () => {
    simulators.kill('SIGTERM');
    const [code] = await once(simulators, 'exit');
    expect(code).toBe(0);
  });
});

import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMariaDb, requireRabbitMq } from '../../support/services.js';
import { type SimulatorProcess, startSimulatorProcess } from '../../support/simulator-process.js';
import { startTestService, type TestService } from '../../support/test-service.js';
import { adminConnection, deleteTopology, uniquePrefix } from '../messaging/rabbitmq-kit.js';

const available = (await requireMariaDb()) && (await requireRabbitMq());

/** `npm run simulators` is what the connected shape runs beside the service: the real entry point, in its own process. */
describe.skipIf(!available)('the simulator process (npm run simulators)', () => {
  const prefix = uniquePrefix();
  let simulators: SimulatorProcess;
  let t: TestService;

  beforeAll(async () => {
    const broker = {
      RABBITMQ_HOST: process.env.RABBITMQ_HOST || '127.0.0.1',
      RABBITMQ_PORT: process.env.RABBITMQ_PORT || '5672',
      RABBITMQ_NAME_PREFIX: prefix,
    };
    // Production, and no JWT secret: the simulators verify no tokens.
    simulators = await startSimulatorProcess({ ENV: 'production', ...broker, SIM_STOCK: '{"sold-out":0}' });
    t = await startTestService('mysql', { ...broker, SIMULATORS_EMBEDDED: 'false' });
  });
  afterAll(async () => {
    await t?.stop();
    await simulators?.stop();
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
    simulators.child.kill('SIGTERM');
    const [code] = await once(simulators.child, 'exit');
    expect(code).toBe(0);
  });
});

import { pino } from 'pino';
import type { Connection } from 'rabbitmq-client';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Envelope, topology } from '../../../src/application/messaging/contract.js';
import type { MessageBus } from '../../../src/infrastructure/messaging/bus.js';
import {
  type RunningSimulators,
  startSimulators,
} from '../../../src/infrastructure/participants/start-simulators.js';
import { participantStore } from '../../support/participant-store.js';
import { requireRabbitMq } from '../../support/services.js';
import {
  adminConnection,
  anEnvelope,
  deleteTopology,
  testBus,
  uniquePrefix,
  waitFor,
} from './rabbitmq-kit.js';

const available = await requireRabbitMq();

describe.skipIf(!available)('simulators over RabbitMQ', { timeout: 10_000 }, () => {
  let admin: Connection;
  let prefix: string;
  let bus: MessageBus;
  let simulators: RunningSimulators;
  const replies: Envelope[] = [];

  beforeAll(() => {
    admin = adminConnection();
  });
  afterAll(() => admin.close());

  afterEach(async () => {
    await simulators.close();
    await bus.close();
    await deleteTopology(admin, prefix);
    replies.length = 0;
  });

  const start = async () => {
    prefix = uniquePrefix();
    bus = await testBus(prefix);
    simulators = startSimulators(bus, {
      logger: pino({ level: 'silent' }),
      store: await participantStore(),
      inventory: { stock: { 'out-of-stock-sku': 0 } },
      payment: { declineAboveMinor: 1_000_000 },
    });
    bus.consume(topology.replyQueue, async ({ envelope }) => {
      replies.push(envelope);
    });
  };

  const send = (command: Envelope) =>
    bus.publish({ exchange: topology.commandsExchange, routingKey: command.type, envelope: command });

  it('answers a reserve command with inventory.reserved on the reply queue', async () => {
    await start();
    const orderId = uuidv7();
    const command = anEnvelope({
      type: 'inventory.reserve',
      correlationId: orderId,
      payload: { orderId, items: [{ productId: 'sku-1', quantity: 2 }] },
    });

    await send(command);

    await waitFor(() => replies.length === 1);
    expect(replies[0]).toMatchObject({
      type: 'inventory.reserved',
      correlationId: orderId,
      causationId: command.messageId,
      payload: { orderId, reservationId: expect.any(String) },
    });
  });

  it('answers a reserve for a product out of stock with inventory.rejected naming it', async () => {
    await start();
    const orderId = uuidv7();

    await send(
      anEnvelope({
        type: 'inventory.reserve',
        correlationId: orderId,
        payload: { orderId, items: [{ productId: 'out-of-stock-sku', quantity: 1 }] },
      }),
    );

    await waitFor(() => replies.length === 1);
    expect(replies[0]).toMatchObject({
      type: 'inventory.rejected',
      payload: { orderId, reason: 'out of stock', productIds: ['out-of-stock-sku'] },
    });
  });

  it('answers a payment above the decline limit with payment.failed', async () => {
    await start();
    const orderId = uuidv7();

    await send(
      anEnvelope({
        type: 'payment.process',
        correlationId: orderId,
        payload: { orderId, customerId: 'c-1', amountMinor: 1_000_001, currency: 'USD' },
      }),
    );

    await waitFor(() => replies.length === 1);
    expect(replies[0]).toMatchObject({ type: 'payment.failed', correlationId: orderId });
  });
});

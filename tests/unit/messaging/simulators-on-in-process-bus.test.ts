import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type Envelope, topology } from '../../../src/application/messaging/contract.js';
import { createInProcessBus } from '../../../src/infrastructure/messaging/in-process-bus.js';
import { startSimulators } from '../../../src/infrastructure/participants/start-simulators.js';
import { participantStore } from '../../support/participant-store.js';
import { aCommand } from './simulator-fixtures.js';

describe('simulators on the in-process bus (embedded shape)', () => {
  it('answer commands on the reply queue and dead-letter commands they cannot serve', async () => {
    const bus = createInProcessBus({ maxAttempts: 2 });
    const simulators = startSimulators(bus, {
      logger: pino({ level: 'silent' }),
      store: await participantStore(),
    });
    const replies: Envelope[] = [];
    bus.consume(topology.replyQueue, async ({ envelope }) => void replies.push(envelope));
    const send = (command: Envelope) =>
      bus.publish({ exchange: topology.commandsExchange, routingKey: command.type, envelope: command });

    await send(
      aCommand('inventory.reserve', { orderId: 'o-1', items: [{ productId: 'sku-1', quantity: 1 }] }),
    );
    await send(
      aCommand('payment.process', { orderId: 'o-1', customerId: 'c-1', amountMinor: 100, currency: 'EUR' }),
    );
    await send(aCommand('inventory.commit', { orderId: 'o-unknown' }));
    await bus.whenIdle();

    expect(replies.map((reply) => reply.type).sort()).toEqual(['inventory.reserved', 'payment.succeeded']);
    expect(bus.deadLetters()).toMatchObject([
      {
        queue: topology.inventoryQueue,
        attempts: 2,
        error: expect.stringMatching(/^InvalidCommand: .*no reservation/),
      },
    ]);
    await simulators.close();
    await bus.close();
  });
});

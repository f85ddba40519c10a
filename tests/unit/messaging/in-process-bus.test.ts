import { describe, expect, it } from 'vitest';
import { type Envelope, topology } from '../../../src/application/messaging/contract.js';
import type { Delivery } from '../../../src/infrastructure/messaging/bus.js';
import { createInProcessBus } from '../../../src/infrastructure/messaging/in-process-bus.js';

let sequence = 0;
function anEnvelope(type: string, payload: unknown = { orderId: 'o-1' }): Envelope {
  sequence += 1;
  return {
    messageId: `m-${sequence}`,
    type,
    correlationId: 'o-1',
    causationId: null,
    occurredAt: '2024-01-01T00:00:00.000Z',
    payload,
  };
}

const command = (type: string) => ({
  exchange: topology.commandsExchange,
  routingKey: type,
  envelope: anEnvelope(type),
});

describe('in-process bus', () => {
  it('routes commands to the participant queue bound to their routing key', async () => {
    const bus = createInProcessBus({ maxAttempts: 3 });
    const inventory: string[] = [];
    const payment: string[] = [];
    bus.consume(topology.inventoryQueue, async ({ envelope }) => void inventory.push(envelope.type));
    bus.consume(topology.paymentQueue, async ({ envelope }) => void payment.push(envelope.type));

    await bus.publish(command('inventory.reserve'));
    await bus.publish(command('payment.process'));
    await bus.publish(command('inventory.release'));
    await bus.whenIdle();

    expect(inventory).toEqual(['inventory.reserve', 'inventory.release']);
    expect(payment).toEqual(['payment.process']);
  });

  it('never runs a handler inside publish', async () => {
    const bus = createInProcessBus({ maxAttempts: 3 });
    let handled = false;
    bus.consume(topology.inventoryQueue, async () => {
      handled = true;
    });

    await bus.publish(command('inventory.reserve'));

    expect(handled).toBe(false);
    await bus.whenIdle();
    expect(handled).toBe(true);
  });

  it('keeps messages published before anyone consumes the queue', async () => {
    const bus = createInProcessBus({ maxAttempts: 3 });
    await bus.publish(command('inventory.reserve'));
    const received: string[] = [];

    bus.consume(topology.inventoryQueue, async ({ envelope }) => void received.push(envelope.type));
    await bus.whenIdle();

    expect(received).toEqual(['inventory.reserve']);
  });

  it('hands the handler a copy, as if it had crossed the wire', async () => {
    const bus = createInProcessBus({ maxAttempts: 3 });
    const message = command('inventory.reserve');
    let received: Envelope | undefined;
    bus.consume(topology.inventoryQueue, async ({ envelope }) => {
      received = envelope;
    });

    await bus.publish(message);
    await bus.whenIdle();

    expect(received).toEqual(message.envelope);
    expect(received).not.toBe(message.envelope);
  });

  it('retries a failing handler and counts the deliveries', async () => {
    const bus = createInProcessBus({ maxAttempts: 3 });
    const deliveries: Delivery[] = [];
    bus.consume(topology.replyQueue, async (delivery) => {
      deliveries.push(delivery);
      if (deliveries.length < 3) throw new Error('not yet');
    });

    await bus.publish({
      exchange: topology.repliesExchange,
      routingKey: 'payment.failed',
      envelope: anEnvelope('payment.failed'),
    });
    await bus.whenIdle();

    expect(deliveries.map((d) => [d.deliveryCount, d.redelivered])).toEqual([
      [1, false],
      [2, true],
      [3, true],
    ]);
    expect(bus.deadLetters()).toEqual([]);
  });

  it('dead-letters a message after maxAttempts failures, with the last error', async () => {
    const bus = createInProcessBus({ maxAttempts: 2 });
    let calls = 0;
    bus.consume(topology.inventoryQueue, async () => {
      calls += 1;
      throw new RangeError(`attempt ${calls}`);
    });
    const message = command('inventory.commit');

    await bus.publish(message);
    await bus.whenIdle();

    expect(calls).toBe(2);
    expect(bus.deadLetters()).toEqual([
      {
        queue: topology.inventoryQueue,
        envelope: message.envelope,
        error: 'RangeError: attempt 2',
        attempts: 2,
        deadLetteredAt: expect.any(String),
      },
    ]);
  });

  it('retries a delivery that met an outage without using up its attempts', async () => {
    const bus = createInProcessBus({
      maxAttempts: 1,
      isOutage: (error) => (error as { outage?: boolean }).outage === true,
    });
    const deliveries: number[] = [];
    bus.consume(topology.inventoryQueue, async (delivery) => {
      deliveries.push(delivery.deliveryCount);
      if (deliveries.length <= 2) throw Object.assign(new Error('database unreachable'), { outage: true });
    });

    await bus.publish(command('inventory.reserve'));
    await bus.whenIdle();

    expect(deliveries).toEqual([1, 1, 1]);
    expect(bus.deadLetters()).toEqual([]);
  });

  it('drops a message no queue is bound for, as a topic exchange does', async () => {
    const bus = createInProcessBus({ maxAttempts: 3 });
    const received: string[] = [];
    bus.consume(topology.replyQueue, async ({ envelope }) => void received.push(envelope.type));

    await bus.publish({
      exchange: topology.eventsExchange,
      routingKey: 'order.created',
      envelope: anEnvelope('order.created'),
    });
    await bus.whenIdle();

    expect(received).toEqual([]);
  });

  it('rejects a publish to an unknown exchange', async () => {
    const bus = createInProcessBus({ maxAttempts: 3 });

    await expect(
      bus.publish({ exchange: 'nowhere', routingKey: 'x', envelope: anEnvelope('x') }),
    ).rejects.toThrow(/unknown exchange/);
  });

  it('runs no more handlers at once than its prefetch', async () => {
    const bus = createInProcessBus({ maxAttempts: 1, prefetch: 2 });
    let running = 0;
    let peak = 0;
    bus.consume(topology.inventoryQueue, async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
    });

    for (let i = 0; i < 6; i++) await bus.publish(command('inventory.reserve'));
    await bus.whenIdle();

    expect(peak).toBe(2);
  });

  it('stops delivering to a closed consumer and reports disconnected once closed', async () => {
    const bus = createInProcessBus({ maxAttempts: 3 });
    const received: string[] = [];
    const consumer = bus.consume(
      topology.inventoryQueue,
      async ({ envelope }) => void received.push(envelope.type),
    );
    await consumer.close();

    await bus.publish(command('inventory.reserve'));
    await bus.whenIdle();
    expect(received).toEqual([]);

    expect(bus.isConnected()).toBe(true);
    await bus.close();
    expect(bus.isConnected()).toBe(false);
    await expect(bus.publish(command('inventory.reserve'))).rejects.toThrow(/closed/);
  });
});

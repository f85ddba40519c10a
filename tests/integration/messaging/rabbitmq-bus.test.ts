import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Connection } from 'rabbitmq-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { topology } from '../../../src/application/messaging/contract.js';
import type { Delivery, MessageBus } from '../../../src/infrastructure/messaging/bus.js';
import { requireRabbitMq } from '../../support/services.js';
import {
  adminConnection,
  anEnvelope,
  deleteTopology,
  forceCloseConnections,
  getAll,
  takeMessages,
  testBus,
  uniquePrefix,
  waitFor,
} from './rabbitmq-kit.js';

const available = await requireRabbitMq();

/** A logger that counts the bus's "rabbitmq connected" lines: a reconnect shows as a second one. */
function connectionCounter() {
  let connects = 0;
  const stream = new Writable({
    write(chunk, _encoding, done) {
      if ((JSON.parse(String(chunk)) as { msg?: string }).msg === 'rabbitmq connected') connects += 1;
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), connects: () => connects };
}

// rabbitmqctl alone takes seconds on a loaded machine; the tests that force a disconnect use it twice.
describe.skipIf(!available)('RabbitMQ bus', { timeout: 30_000 }, () => {
  let admin: Connection;
  let prefix: string;
  let bus: MessageBus;

  beforeAll(() => {
    admin = adminConnection();
  });
  afterAll(() => admin.close());

  afterEach(async () => {
    await bus?.close();
    await deleteTopology(admin, prefix);
  });

  const start = async (maxAttempts = 3, logger = pino({ level: 'silent' })) => {
    prefix = uniquePrefix();
    bus = await testBus(prefix, { maxAttempts, logger });
    return bus;
  };
  const deadLetters = () => getAll(admin, `${prefix}${topology.deadLetterQueue}`);

  it('delivers a confirmed message to the queue bound to its routing key', async () => {
    await start();
    const received: Delivery[] = [];
    bus.consume(topology.inventoryQueue, async (delivery) => {
      received.push(delivery);
    });
    const command = anEnvelope({ type: 'inventory.reserve' });

    await bus.publish({ exchange: topology.commandsExchange, routingKey: command.type, envelope: command });

    await waitFor(() => received.length === 1);
    expect(received[0]).toEqual({ envelope: command, redelivered: false, deliveryCount: 1 });
  });

  it('publishes persistent JSON carrying messageId, type and correlationId as AMQP properties', async () => {
    await start();
    const command = anEnvelope({ type: 'payment.process' });

    await bus.publish({ exchange: topology.commandsExchange, routingKey: command.type, envelope: command });

    const [message] = await getAll(admin, `${prefix}${topology.paymentQueue}`);
    expect(message).toMatchObject({
      durable: true,
      contentType: 'application/json',
      messageId: command.messageId,
      type: 'payment.process',
      correlationId: command.correlationId,
      body: command,
    });
    expect(await getAll(admin, `${prefix}${topology.inventoryQueue}`)).toHaveLength(0);
  });

  it('delivers a message again when its handler throws, and acknowledges it once the handler succeeds', async () => {
    await start();
    const attempts: Delivery[] = [];
    const marker = anEnvelope({ type: 'payment.succeeded' });
    let markerSeen = false;
    bus.consume(topology.replyQueue, async (delivery) => {
      if (delivery.envelope.messageId === marker.messageId) {
        markerSeen = true;
        return;
      }
      attempts.push(delivery);
      if (attempts.length === 1) throw new Error('database briefly unavailable');
    });
    const reply = anEnvelope({ type: 'inventory.reserved' });

    await bus.publish({ exchange: topology.repliesExchange, routingKey: reply.type, envelope: reply });

    await waitFor(() => attempts.length === 2);
    expect(attempts.map((delivery) => [delivery.deliveryCount, delivery.redelivered])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(attempts[1]?.envelope).toEqual(reply);
    // A marker sent after the success comes back behind any further copy of the reply.
    await bus.publish({ exchange: topology.repliesExchange, routingKey: marker.type, envelope: marker });
    await waitFor(() => markerSeen);
    expect(attempts).toHaveLength(2);
    expect(await deadLetters()).toHaveLength(0);
  });

  it('retries a delivery that met an outage without using up its attempts, then handles it once', async () => {
    prefix = uniquePrefix();
    // What the service passes (isDatabaseUnavailable): here any error marked as an outage.
    bus = await testBus(prefix, {
      maxAttempts: 2,
      retryBaseDelayMs: 10,
      isOutage: (error) => (error as { outage?: boolean }).outage === true,
    });
    const deliveries: number[] = [];
    let handled = 0;
    bus.consume(topology.replyQueue, async (delivery) => {
      deliveries.push(delivery.deliveryCount);
      // Three failures in a row: more than maxAttempts, all during the database's outage.
      if (deliveries.length <= 3) throw Object.assign(new Error('connect ETIMEDOUT'), { outage: true });
      handled += 1;
    });
    const reply = anEnvelope({ type: 'inventory.reserved' });

    await bus.publish({ exchange: topology.repliesExchange, routingKey: reply.type, envelope: reply });

    await waitFor(() => handled === 1, 10_000);
    expect(deliveries).toEqual([1, 1, 1, 1]);
    expect(await deadLetters()).toHaveLength(0);
  });

  it('delivers again a message whose handler was still running when the connection dropped', async () => {
    await start();
    const deliveries: Delivery[] = [];
    let release: () => void = () => {};
    const firstHandlerHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    bus.consume(topology.inventoryQueue, async (delivery) => {
      deliveries.push(delivery);
      if (deliveries.length === 1) await firstHandlerHeld;
    });
    const command = anEnvelope();
    await bus.publish({ exchange: topology.commandsExchange, routingKey: command.type, envelope: command });
    await waitFor(() => deliveries.length === 1);

    expect(await forceCloseConnections(`${prefix}bus`)).toBe(1);
    release();

    await waitFor(() => deliveries.length === 2, 10_000);
    expect(deliveries[1]).toMatchObject({ envelope: command, redelivered: true, deliveryCount: 2 });
  });

  it('dead-letters a message whose handler fails maxAttempts times, recording the error', async () => {
    await start(3);
    let calls = 0;
    bus.consume(topology.inventoryQueue, async () => {
      calls += 1;
      throw new TypeError(`cannot read the order (call ${calls})`);
    });
    const command = anEnvelope();

    await bus.publish({ exchange: topology.commandsExchange, routingKey: command.type, envelope: command });

    const dead = await takeMessages(admin, `${prefix}${topology.deadLetterQueue}`);
    expect(calls).toBe(3);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      messageId: command.messageId,
      type: command.type,
      body: command,
      headers: {
        'x-last-error': 'TypeError: cannot read the order (call 3)',
        'x-failure': 'handler-failed',
        'x-attempts': 3,
        'x-original-queue': topology.inventoryQueue,
        'x-original-exchange': `${prefix}${topology.commandsExchange}`,
        'x-original-routing-key': command.type,
      },
    });
  });

  it('dead-letters a body that is not valid JSON without calling the handler', async () => {
    await start();
    let calls = 0;
    bus.consume(topology.inventoryQueue, async () => {
      calls += 1;
    });
    const publisher = admin.createPublisher({ confirm: true });

    await publisher.send(
      {
        exchange: `${prefix}${topology.commandsExchange}`,
        routingKey: 'inventory.reserve',
        contentType: 'application/json',
        messageId: 'bad-1',
      },
      Buffer.from('{"messageId": "bad-1", oops'),
    );
    await publisher.close();

    const dead = await takeMessages(admin, `${prefix}${topology.deadLetterQueue}`);
    expect(calls).toBe(0);
    expect(dead[0]?.messageId).toBe('bad-1');
    expect(dead[0]?.headers?.['x-failure']).toBe('invalid-message');
    expect(dead[0]?.headers?.['x-last-error']).toMatch(/not valid JSON/);
    expect(Buffer.from(dead[0]?.body).toString()).toBe('{"messageId": "bad-1", oops');
  });

  it('dead-letters valid JSON that is not an envelope', async () => {
    await start();
    const publisher = admin.createPublisher({ confirm: true });
    bus.consume(topology.inventoryQueue, async () => {});

    await publisher.send(
      { exchange: `${prefix}${topology.commandsExchange}`, routingKey: 'inventory.reserve' },
      { hello: 'world' },
    );
    await publisher.close();

    const dead = await takeMessages(admin, `${prefix}${topology.deadLetterQueue}`);
    expect(dead[0]?.headers?.['x-last-error']).toMatch(/messageId/);
  });

  it('loses no message when the broker closes its connection mid-stream', async () => {
    const counter = connectionCounter();
    await start(5, counter.logger);
    const seen = new Set<string>();
    bus.consume(topology.replyQueue, async ({ envelope }) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      seen.add(envelope.messageId);
    });
    const published: string[] = [];
    const publishBatch = (size: number) =>
      Promise.all(
        Array.from({ length: size }, async () => {
          const reply = anEnvelope({ type: 'payment.succeeded' });
          await bus.publish({ exchange: topology.repliesExchange, routingKey: reply.type, envelope: reply });
          published.push(reply.messageId);
        }),
      );
    await publishBatch(100);
    let closeReturned = false;
    const closing = forceCloseConnections(`${prefix}bus`).finally(() => {
      closeReturned = true;
    });
    // Keep publishing and consuming while the connection goes down and comes back.
    while (!closeReturned) await publishBatch(20);
    expect(await closing).toBe(1);
    // The broker really dropped us: the bus connected a second time.
    await waitFor(() => counter.connects() >= 2, 10_000);
    await publishBatch(100);

    await waitFor(() => seen.size === published.length, 15_000);
    expect(counter.connects()).toBe(2);
    expect(new Set(published).size).toBe(published.length);
    expect([...seen].sort()).toEqual([...published].sort());
    expect(bus.isConnected()).toBe(true);
  });

  it('refuses to consume a queue outside the topology', async () => {
    await start();
    expect(() => bus.consume('no-such-queue', async () => {})).toThrow(/unknown queue/);
  });
});

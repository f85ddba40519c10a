import { describe, expect, it } from 'vitest';
import { type Envelope, topology } from '../../../src/application/messaging/contract.js';
import type { DeadLetterMessage } from '../../../src/infrastructure/messaging/bus.js';
import { createInProcessBus } from '../../../src/infrastructure/messaging/in-process-bus.js';

const reply = (messageId: string): Envelope => ({
  messageId,
  type: 'payment.succeeded',
  correlationId: 'o-1',
  causationId: null,
  occurredAt: '2024-01-01T00:00:00.000Z',
  payload: { orderId: 'o-1' },
});

describe('in-process bus: dead letters and subscriptions', () => {
  it('hands a message that failed every attempt to the dead-letter consumer with its route and error', async () => {
    const bus = createInProcessBus({ maxAttempts: 2, retryBaseDelayMs: 0 });
    const letters: DeadLetterMessage[] = [];
    bus.consume(topology.replyQueue, async () => {
      throw new Error('cannot handle this');
    });
    bus.consumeDeadLetters(async (letter) => void letters.push(letter));
    await bus.publish({
      exchange: topology.repliesExchange,
      routingKey: 'payment.succeeded',
      envelope: reply('m-dead'),
    });
    await bus.whenIdle();
    expect(letters).toMatchObject([
      {
        messageId: 'm-dead',
        type: 'payment.succeeded',
        exchange: topology.repliesExchange,
        routingKey: 'payment.succeeded',
        queue: topology.replyQueue,
        error: 'Error: cannot handle this',
        attempts: 2,
      },
    ]);
    expect(JSON.parse(letters[0]?.body ?? '{}').messageId).toBe('m-dead');
    await bus.close();
  });

  it('offers a dead letter again when storing it failed', async () => {
    const bus = createInProcessBus({ maxAttempts: 1, retryBaseDelayMs: 0 });
    let calls = 0;
    bus.consume(topology.replyQueue, async () => {
      throw new Error('poison');
    });
    bus.consumeDeadLetters(async () => {
      calls += 1;
      if (calls === 1) throw new Error('database down');
    });
    await bus.publish({
      exchange: topology.repliesExchange,
      routingKey: 'payment.succeeded',
      envelope: reply('m-retry'),
    });
    await bus.whenIdle();
    expect(calls).toBe(2);
    await bus.close();
  });

  it('gives a subscriber what is published on the exchange under its pattern, and nothing after it closed', async () => {
    const bus = createInProcessBus({ maxAttempts: 1 });
    const seen: string[] = [];
    const subscription = await bus.subscribe(topology.eventsExchange, 'order.#', (envelope, routingKey) =>
      seen.push(`${routingKey}:${envelope.messageId}`),
    );
    const event = (type: string, messageId: string) => ({
      exchange: topology.eventsExchange,
      routingKey: type,
      envelope: { ...reply(messageId), type },
    });
    await bus.publish(event('order.created', 'e-1'));
    await bus.publish(event('payment.other', 'e-2'));
    await expect.poll(() => seen).toEqual(['order.created:e-1']);
    await subscription.close();
    await bus.publish(event('order.confirmed', 'e-3'));
    await bus.whenIdle();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['order.created:e-1']);
    await bus.close();
  });
});

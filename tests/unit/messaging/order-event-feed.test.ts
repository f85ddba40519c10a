import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { topology } from '../../../src/application/messaging/contract.js';
import type { OrderChange } from '../../../src/application/order-feed.js';
import type { MessageBus } from '../../../src/infrastructure/messaging/bus.js';
import { createInProcessBus } from '../../../src/infrastructure/messaging/in-process-bus.js';
import { createOrderEventFeed } from '../../../src/infrastructure/messaging/order-event-feed.js';

let sequence = 0;
const statusChanged = (orderId: string) => {
  sequence += 1;
  return {
    exchange: topology.eventsExchange,
    routingKey: 'order.status_changed',
    envelope: {
      messageId: `m-${sequence}`,
      type: 'order.status_changed',
      correlationId: orderId,
      causationId: null,
      occurredAt: '2026-11-26T10:00:00.000Z',
      payload: { customerId: 'c-1', from: 'PENDING', to: 'CONFIRMED' },
    },
  };
};

/** A real in-process bus whose open subscriptions are counted. */
function countingBus() {
  const bus = createInProcessBus({ maxAttempts: 3 });
  let open = 0;
  const counted: MessageBus = {
    ...bus,
    async subscribe(exchange, pattern, listener) {
      const consumer = await bus.subscribe(exchange, pattern, listener);
      open += 1;
      return {
        async close() {
          open -= 1;
          await consumer.close();
        },
      };
    },
  };
  return { bus, counted, open: () => open };
}

describe('the live order feed', () => {
  it('subscribes to order events only while a view listens, once however many listen', async () => {
    const { bus, counted, open } = countingBus();
    const feed = createOrderEventFeed(counted, pino({ level: 'silent' }));
    expect(open()).toBe(0);

    const first: OrderChange[] = [];
    const second: OrderChange[] = [];
    const stopFirst = await feed.listen((change) => first.push(change));
    const stopSecond = await feed.listen((change) => second.push(change));
    expect(open()).toBe(1);

    await bus.publish(statusChanged('o-1'));
    await bus.whenIdle();
    expect(first.map((change) => change.orderId)).toEqual(['o-1']);
    expect(second.map((change) => change.orderId)).toEqual(['o-1']);

    stopFirst();
    stopFirst();
    expect(open()).toBe(1);
    await bus.publish(statusChanged('o-2'));
    await bus.whenIdle();
    expect(first).toHaveLength(1);
    expect(second.map((change) => change.orderId)).toEqual(['o-1', 'o-2']);

    stopSecond();
    await new Promise((resolve) => setImmediate(resolve));
    expect(open()).toBe(0);

    // A view opened later subscribes again and sees what is published from then on.
    const later: OrderChange[] = [];
    const stopLater = await feed.listen((change) => later.push(change));
    expect(open()).toBe(1);
    await bus.publish(statusChanged('o-3'));
    await bus.whenIdle();
    expect(later.map((change) => change.orderId)).toEqual(['o-3']);
    stopLater();
    await feed.close();
    expect(open()).toBe(0);
  });
});

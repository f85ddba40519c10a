import type { Logger } from 'pino';
import { topology } from '../../application/messaging/contract.js';
import { type OrderChange, toOrderChange } from '../../application/order-feed.js';
import type { Consumer, MessageBus } from './bus.js';

export type OrderChangeListener = (change: OrderChange) => void;

export interface OrderEventFeed {
  /** Adds a listener; returns the function that removes it. */
  listen(listener: OrderChangeListener): () => void;
  close(): Promise<void>;
}

/**
 * One subscription per instance to `orders.events` (RabbitMQ: an exclusive auto-delete queue; the
 * in-process bus: a listener), fanned out in memory to every open live view. So a change made
 * through any instance reaches the views of every instance.
 */
export async function createOrderEventFeed(bus: MessageBus, logger: Logger): Promise<OrderEventFeed> {
  let listeners: OrderChangeListener[] = [];
  const subscription: Consumer = await bus.subscribe(topology.eventsExchange, 'order.#', (envelope) => {
    const change = toOrderChange(envelope);
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (err) {
        logger.warn({ err, messageId: envelope.messageId }, 'live order view failed to take a change');
      }
    }
  });
  return {
    listen(listener) {
      listeners = [...listeners, listener];
      return () => {
        listeners = listeners.filter((candidate) => candidate !== listener);
      };
    },
    async close() {
      listeners = [];
      await subscription.close();
    },
  };
}

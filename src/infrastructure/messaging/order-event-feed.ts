import type { Logger } from 'pino';
import { topology } from '../../application/messaging/contract.js';
import { type OrderChange, toOrderChange } from '../../application/order-feed.js';
import type { Consumer, MessageBus } from './bus.js';

export type OrderChangeListener = (change: OrderChange) => void;

export interface OrderEventFeed {
  /**
   * Adds a listener once the feed receives changes (a change published after this resolves
   * reaches it); resolves to the function that removes it.
   */
  listen(listener: OrderChangeListener): Promise<() => void>;
  close(): Promise<void>;
}

/**
 * One subscription per instance to `orders.events` (RabbitMQ: an exclusive auto-delete queue; the
 * in-process bus: a listener), fanned out in memory to every open live view. So a change made
 * through any instance reaches the views of every instance. The subscription exists only while a
 * view is open: with none, every order event would still be routed to this instance and decoded
 * for nobody (at saturation, a broker delivery per event).
 */
export function createOrderEventFeed(bus: MessageBus, logger: Logger): OrderEventFeed {
  let listeners: OrderChangeListener[] = [];
  let subscription: Promise<Consumer> | null = null;
  let closed = false;

  const deliver = (change: OrderChange, messageId: string) => {
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (err) {
        logger.warn({ err, messageId }, 'live order view failed to take a change');
      }
    }
  };
  const unsubscribe = () => {
    const ending = subscription;
    subscription = null;
    void ending
      ?.then((consumer) => consumer.close())
      .catch((err: unknown) => logger.warn({ err }, 'closing the live order subscription failed'));
  };

  return {
    async listen(listener) {
      if (closed) throw new Error('order event feed is closed');
      subscription ??= bus.subscribe(topology.eventsExchange, 'order.#', (envelope) =>
        deliver(toOrderChange(envelope), envelope.messageId),
      );
      const subscribed = subscription;
      listeners = [...listeners, listener];
      try {
        await subscribed;
      } catch (error) {
        listeners = listeners.filter((candidate) => candidate !== listener);
        if (subscription === subscribed) subscription = null;
        throw error;
      }
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        listeners = listeners.filter((candidate) => candidate !== listener);
        if (listeners.length === 0) unsubscribe();
      };
    },
    async close() {
      closed = true;
      listeners = [];
      const ending = subscription;
      subscription = null;
      await ending?.then((consumer) => consumer.close());
    },
  };
}

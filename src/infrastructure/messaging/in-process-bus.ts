import { setTimeout } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Envelope, RoutedMessage } from '../../application/messaging/contract.js';
import type {
  Consumer,
  DeadLetterHandler,
  DeadLetterMessage,
  EventListener,
  MessageBus,
  MessageHandler,
} from './bus.js';
import { describeError } from './envelope-codec.js';
import { outageRetryMs, retryDelayMs } from './retry-delay.js';
import { topicMatches } from './topic-pattern.js';
import { findQueue, type MessagingTopology, messagingTopology } from './topology.js';

export interface InProcessBusOptions {
  /** Deliveries of one message before it is dead-lettered (at least 1). */
  maxAttempts: number;
  /** Base of the exponential wait before a failed delivery is retried. Default 250 ms. */
  retryBaseDelayMs?: number;
  /** True for a handler failure that is a dependency's outage (see MessageBus.consume). */
  isOutage?: (error: unknown) => boolean;
  /** Messages one consumer handles at once. Default 10. */
  prefetch?: number;
  logger?: Logger;
  topology?: MessagingTopology;
}

export interface DeadLetter {
  queue: string;
  envelope: Envelope;
  /** The last handler error, as the RabbitMQ adapter records it in `x-last-error`. */
  error: string;
  attempts: number;
  deadLetteredAt: string;
}

export interface InProcessBus extends MessageBus {
  /** Messages that failed `maxAttempts` times, oldest first. */
  deadLetters(): readonly DeadLetter[];
  /** Resolves once no handler is running and no consumed queue holds a message. */
  whenIdle(): Promise<void>;
}

interface Pending {
  envelope: Envelope;
  exchange: string;
  routingKey: string;
  attempts: number;
}

interface Subscription {
  exchange: string;
  pattern: string;
  listener: EventListener;
}

interface ConsumerState {
  handler: MessageHandler;
  running: Set<Promise<void>>;
}

interface QueueState {
  messages: Pending[];
  consumers: ConsumerState[];
  nextConsumer: number;
  dispatchScheduled: boolean;
}

/**
 * The bus of the embedded shape: the topology and retry rules of the RabbitMQ adapter, in memory.
 * Handlers always run on a later turn of the event loop, never inside `publish`, so code that
 * works here does not rely on synchronous delivery that a broker would not give it. Messages are
 * copied through JSON, as on the wire. Nothing survives the process.
 */
export function createInProcessBus(options: InProcessBusOptions): InProcessBus {
  const { maxAttempts, logger } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new RangeError('maxAttempts must be a positive integer');
  const prefetch = options.prefetch ?? 10;
  const topology = options.topology ?? messagingTopology;
  const queues = new Map<string, QueueState>(
    topology.queues.map((queue) => [
      queue.name,
      { messages: [], consumers: [], nextConsumer: 0, dispatchScheduled: false },
    ]),
  );
  const deadLetters: DeadLetter[] = [];
  let deadLetterHandlers: DeadLetterHandler[] = [];
  const storing = new Set<Promise<void>>();
  let subscriptions: Subscription[] = [];
  let idleWaiters: (() => void)[] = [];
  // As with the broker adapter, handlers in flight may still publish while the bus closes.
  let stopping = false;
  let closed = false;

  const stateOf = (name: string): QueueState => {
    findQueue(topology, name);
    return queues.get(name) as QueueState;
  };

  const isIdle = () =>
    storing.size === 0 &&
    [...queues.values()].every(
      (queue) =>
        queue.consumers.every((consumer) => consumer.running.size === 0) &&
        (queue.consumers.length === 0 || queue.messages.length === 0),
    );

  const settleIdleWaiters = () => {
    if (idleWaiters.length === 0 || !isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const schedule = (name: string, queue: QueueState) => {
    if (queue.dispatchScheduled) return;
    queue.dispatchScheduled = true;
    setImmediate(() => {
      queue.dispatchScheduled = false;
      dispatch(name, queue);
      settleIdleWaiters();
    });
  };

  const dispatch = (name: string, queue: QueueState) => {
    while (queue.messages.length > 0) {
      const consumer = nextFreeConsumer(queue, prefetch);
      if (!consumer) return;
      run(name, queue, consumer, queue.messages.shift() as Pending);
    }
  };

  const run = (name: string, queue: QueueState, consumer: ConsumerState, pending: Pending) => {
    pending.attempts += 1;
    const attempt = pending.attempts;
    const task = (async () => {
      try {
        await consumer.handler({
          envelope: copy(pending.envelope),
          redelivered: attempt > 1,
          deliveryCount: attempt,
        });
      } catch (handlerError) {
        const error = describeError(handlerError);
        const context = {
          queue: name,
          messageId: pending.envelope.messageId,
          type: pending.envelope.type,
          correlationId: pending.envelope.correlationId,
          attempt,
          error,
        };
        if (options.isOutage?.(handlerError)) {
          logger?.info(context, 'message handler met an outage; will retry without using up an attempt');
          await setTimeout(outageRetryMs);
          pending.attempts -= 1;
          queue.messages.push(pending);
        } else if (attempt >= maxAttempts) {
          logger?.error(context, 'message handler failed on its last attempt; dead-lettered');
          const letter = {
            queue: name,
            envelope: copy(pending.envelope),
            error,
            attempts: attempt,
            deadLetteredAt: new Date().toISOString(),
          };
          deadLetters.push(letter);
          store(toDeadLetterMessage(letter, pending));
        } else {
          logger?.warn(context, 'message handler failed; will retry');
          await setTimeout(retryDelayMs(attempt, options.retryBaseDelayMs ?? 250));
          queue.messages.push(pending);
        }
      }
    })();
    consumer.running.add(task);
    void task.finally(() => {
      consumer.running.delete(task);
      schedule(name, queue);
    });
  };

  /** Hands a dead letter to the store, retrying as the broker would redeliver an unacked one. */
  const store = (letter: DeadLetterMessage) => {
    const handlers = deadLetterHandlers;
    if (handlers.length === 0) return;
    const task = (async () => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          for (const handler of handlers) await handler(letter);
          return;
        } catch (err) {
          // Nothing survives this bus: once it stops, the letter stays in the log and in deadLetters().
          logger?.error({ err, messageId: letter.messageId, attempt }, 'storing a dead letter failed');
          if (stopping) return;
          await setTimeout(retryDelayMs(attempt, options.retryBaseDelayMs ?? 250));
        }
      }
    })();
    storing.add(task);
    void task.finally(() => {
      storing.delete(task);
      settleIdleWaiters();
    });
  };

  return {
    async publish({ exchange, routingKey, envelope }: RoutedMessage) {
      if (closed) throw new Error('message bus is closed');
      if (!topology.exchanges.includes(exchange)) throw new Error(`unknown exchange "${exchange}"`);
      // As the broker would store it. Queues may share it: each delivery hands out a copy of its own.
      const serialized = copy(envelope);
      for (const definition of topology.queues) {
        const bound = definition.bindings.some(
          (binding) => binding.exchange === exchange && topicMatches(binding.pattern, routingKey),
        );
        if (!bound) continue;
        const queue = queues.get(definition.name) as QueueState;
        queue.messages.push({ envelope: serialized, exchange, routingKey, attempts: 0 });
        schedule(definition.name, queue);
      }
      for (const subscription of subscriptions) {
        if (subscription.exchange !== exchange || !topicMatches(subscription.pattern, routingKey)) continue;
        const delivered = copy(serialized);
        setImmediate(() => subscription.listener(delivered, routingKey));
      }
    },

    consumeDeadLetters(handler: DeadLetterHandler): Consumer {
      if (stopping) throw new Error('message bus is closed');
      deadLetterHandlers = [...deadLetterHandlers, handler];
      return {
        async close() {
          deadLetterHandlers = deadLetterHandlers.filter((candidate) => candidate !== handler);
          await Promise.allSettled([...storing]);
        },
      };
    },

    async subscribe(exchange: string, pattern: string, listener: EventListener): Promise<Consumer> {
      if (!topology.exchanges.includes(exchange)) throw new Error(`unknown exchange "${exchange}"`);
      const subscription = { exchange, pattern, listener };
      subscriptions = [...subscriptions, subscription];
      return {
        async close() {
          subscriptions = subscriptions.filter((candidate) => candidate !== subscription);
        },
      };
    },

    consume(name: string, handler: MessageHandler): Consumer {
      if (stopping) throw new Error('message bus is closed');
      const queue = stateOf(name);
      const consumer: ConsumerState = { handler, running: new Set() };
      queue.consumers.push(consumer);
      schedule(name, queue);
      return {
        async close() {
          queue.consumers = queue.consumers.filter((candidate) => candidate !== consumer);
          await Promise.allSettled([...consumer.running]);
          settleIdleWaiters();
        },
      };
    },

    consumerCount: async (name: string) => stateOf(name).consumers.length,

    isConnected: () => !closed,
    connectionState: () => (closed ? 'lost' : 'connected'),
    whenConnected: async () => {
      if (closed) throw new Error('message bus is closed');
    },

    async close() {
      stopping = true;
      const running = [...queues.values()].flatMap((queue) => queue.consumers.flatMap((c) => [...c.running]));
      for (const queue of queues.values()) queue.consumers = [];
      subscriptions = [];
      await Promise.allSettled(running);
      deadLetterHandlers = [];
      await Promise.allSettled([...storing]);
      closed = true;
      settleIdleWaiters();
    },

    deadLetters: () => [...deadLetters],

    whenIdle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        // Let deliveries scheduled by a publish that just returned start first.
        setImmediate(settleIdleWaiters);
      });
    },
  };
}

function nextFreeConsumer(queue: QueueState, prefetch: number): ConsumerState | undefined {
  for (let tried = 0; tried < queue.consumers.length; tried++) {
    const index = (queue.nextConsumer + tried) % queue.consumers.length;
    const consumer = queue.consumers[index] as ConsumerState;
    if (consumer.running.size < prefetch) {
      queue.nextConsumer = index + 1;
      return consumer;
    }
  }
  return undefined;
}

function toDeadLetterMessage(letter: DeadLetter, pending: Pending): DeadLetterMessage {
  return {
    messageId: letter.envelope.messageId,
    type: letter.envelope.type,
    exchange: pending.exchange,
    routingKey: pending.routingKey,
    queue: letter.queue,
    // The headers the RabbitMQ adapter would have put on the dead-lettered copy.
    headers: {
      'x-attempts': letter.attempts,
      'x-last-error': letter.error,
      'x-failure': 'handler-failed',
      'x-original-queue': letter.queue,
      'x-original-exchange': pending.exchange,
      'x-original-routing-key': pending.routingKey,
      'x-dead-lettered-at': letter.deadLetteredAt,
    },
    body: JSON.stringify(letter.envelope),
    error: letter.error,
    attempts: letter.attempts,
    deadLetteredAt: letter.deadLetteredAt,
  };
}

function copy(envelope: Envelope): Envelope {
  return JSON.parse(JSON.stringify(envelope)) as Envelope;
}

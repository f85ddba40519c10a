import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import type { Logger } from 'pino';
import {
  type Consumer as AmqpConsumer,
  type Envelope as AmqpEnvelope,
  Connection,
  ConsumerStatus,
} from 'rabbitmq-client';
import type { Envelope, RoutedMessage } from '../../application/messaging/contract.js';
import type { Consumer, DeadLetterHandler, EventListener, MessageBus, MessageHandler } from './bus.js';
import { decodeEnvelope, encodeEnvelope } from './envelope-codec.js';
import { toDeadLetterMessage } from './rabbitmq-dead-letter.js';
import { createDeliveryProcessor } from './rabbitmq-delivery.js';
import {
  BROKER_DELIVERY_LIMIT,
  declarationsFor,
  declareTopology,
  topicExchange,
  workQueueArguments,
} from './rabbitmq-topology.js';
import { findQueue, type MessagingTopology, messagingTopology } from './topology.js';

export interface RabbitMqBusOptions {
  /** amqp://user:password@host:port/vhost */
  url: string;
  /** Unacknowledged messages a consumer holds at once; also its handler concurrency. */
  prefetch: number;
  /** Deliveries of one message before it is dead-lettered (at least 1). */
  maxAttempts: number;
  /** Base of the exponential wait before a failed delivery is retried. Default 250 ms. */
  retryBaseDelayMs?: number;
  /** True for a handler failure that is a dependency's outage (see MessageBus.consume). */
  isOutage?: (error: unknown) => boolean;
  logger: Logger;
  /** Logical names of the work queues to declare at start; every queue of the topology by default. */
  queues?: readonly string[];
  /** Prepended to every exchange and queue name, to isolate tests; production leaves it empty. */
  namePrefix?: string;
  /** Shown by `rabbitmqctl list_connections` and the management UI. */
  connectionName?: string;
  /** Publish attempts (each waits for a reconnect when needed) before `publish` rejects. Default 3. */
  publishAttempts?: number;
  topology?: MessagingTopology;
}

/**
 * Returns the bus at once and connects in the background, retrying every few hundred ms until
 * the broker answers, so a service starts (and serves liveness) while the broker is away. On
 * every (re)connection the durable topology is declared, and consumers and the publisher
 * redeclare their own parts.
 *
 * Failed deliveries are retried by republishing a copy (with `x-attempts` and `x-last-error`) to
 * the same queue and acknowledging the original, rather than by nack+requeue: RabbitMQ 4.3 no
 * longer counts basic.nack towards a quorum queue's delivery limit, so a requeue loop could
 * otherwise spin forever, and a nack cannot carry the error. On the last attempt, or when the
 * body is not an envelope, the message is published to the dead-letter exchange with
 * `x-last-error`, `x-failure`, `x-attempts` and `x-original-*` headers, and logged with its
 * messageId. Only if that publish fails does the broker dead-letter it (by nack) on its own.
 */
export async function createRabbitMqBus(options: RabbitMqBusOptions): Promise<MessageBus> {
  const { logger, prefetch, maxAttempts } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > BROKER_DELIVERY_LIMIT) {
    throw new RangeError(`maxAttempts must be an integer from 1 to ${BROKER_DELIVERY_LIMIT}`);
  }
  if (!Number.isInteger(prefetch) || prefetch < 1) {
    throw new RangeError('prefetch must be a positive integer');
  }

  const topology = options.topology ?? messagingTopology;
  const physical = (name: string) => `${options.namePrefix ?? ''}${name}`;
  const declarations = declarationsFor(topology, physical, options.queues);

  const connection = new Connection({
    url: options.url,
    connectionName: options.connectionName,
    // Retry every 100–500 ms however long the outage lasted: back within a second of the broker's
    // return. A refused connection costs the broker nothing, so there is no reason to back off further.
    retryLow: 100,
    retryHigh: 500,
    // Nagle's algorithm holds a small frame back while an earlier one is unacknowledged, and the
    // broker acknowledges late (delayed ACK): from ~30 messages/s on, every publish, confirm and
    // delivery waited ~20 ms (p99 ~50 ms) on loopback; with it off a hop takes ~1 ms.
    noDelay: true,
  });
  let everConnected = false;
  let declared = false;
  const onDeclared = new EventEmitter();
  // The client reports the first failures of a reconnect series only, so this is once per outage.
  connection.on('error', (err) => logger.warn({ err }, 'rabbitmq connection error; reconnecting'));
  connection.on('connection', () => {
    declared = false;
    logger.info('rabbitmq connected');
    // Every queue of the topology, participants' too: a command published before its participant
    // first connects must wait in its queue, not be dropped by the exchange.
    declareTopology(connection, declarations).then(
      () => {
        everConnected = true;
        declared = true;
        onDeclared.emit('declared');
      },
      (err: unknown) =>
        logger.warn({ err }, 'rabbitmq topology declaration failed; retried on the next connection'),
    );
  });
  const connected = () => !closed && connection.ready && declared;

  const publisher = connection.createPublisher({
    confirm: true,
    maxAttempts: options.publishAttempts ?? 3,
    ...declarations,
  });
  publisher.on('retry', (err, envelope: AmqpEnvelope) =>
    logger.warn({ err, messageId: envelope.messageId }, 'rabbitmq publish failed; retrying'),
  );

  const consumers = new Set<AmqpConsumer>();
  // Consuming stops first; publishing stays open until the handlers in flight have settled,
  // so a handler that replies during shutdown still gets its reply out.
  let stopping = false;
  let closed = false;

  const deliver = createDeliveryProcessor({
    publisher,
    physical,
    topology,
    maxAttempts,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 250,
    isOutage: options.isOutage,
    logger,
  });

  return {
    publish({ exchange, routingKey, envelope }: RoutedMessage) {
      if (closed) return Promise.reject(new Error('message bus is closed'));
      return publisher.send(
        { exchange: physical(exchange), routingKey, ...envelopeProperties(envelope) },
        encodeEnvelope(envelope),
      );
    },

    consume(queue: string, handler: MessageHandler): Consumer {
      if (stopping) throw new Error('message bus is closed');
      const definition = findQueue(topology, queue);
      const name = physical(queue);
      const consumer = connection.createConsumer(
        {
          queue: name,
          queueOptions: {
            durable: true,
            arguments: workQueueArguments(physical(topology.deadLetterExchange)),
          },
          exchanges: definition.bindings.map((binding) => topicExchange(physical(binding.exchange))),
          queueBindings: definition.bindings.map((binding) => ({
            queue: name,
            exchange: physical(binding.exchange),
            routingKey: binding.pattern,
          })),
          qos: { prefetchCount: prefetch },
          concurrency: prefetch,
          requeue: true,
        },
        (message) => deliver(queue, message, handler),
      );
      consumer.on('error', (err) => logger.warn({ err, queue }, 'rabbitmq consumer error'));
      consumers.add(consumer);
      return {
        async close() {
          consumers.delete(consumer);
          await consumer.close();
        },
      };
    },

    consumeDeadLetters(handler: DeadLetterHandler): Consumer {
      if (stopping) throw new Error('message bus is closed');
      const consumer = connection.createConsumer(
        {
          queue: physical(topology.deadLetterQueue),
          queueOptions: { durable: true, arguments: { 'x-queue-type': 'quorum' } },
          qos: { prefetchCount: prefetch },
          concurrency: prefetch,
          requeue: true,
        },
        async (message) => {
          try {
            await handler(toDeadLetterMessage(message, options.namePrefix ?? ''));
            return ConsumerStatus.ACK;
          } catch (err) {
            logger.error({ err, messageId: message.messageId }, 'storing a dead letter failed; requeued');
            // The letter goes back to the queue; a pause keeps a database outage from spinning.
            await new Promise((resolve) => setTimeout(resolve, 1_000));
            return ConsumerStatus.REQUEUE;
          }
        },
      );
      consumer.on('error', (err) => logger.warn({ err }, 'dead-letter consumer error'));
      consumers.add(consumer);
      return {
        async close() {
          consumers.delete(consumer);
          await consumer.close();
        },
      };
    },

    async subscribe(exchange: string, pattern: string, listener: EventListener): Promise<Consumer> {
      if (stopping) throw new Error('message bus is closed');
      // One exclusive queue per subscription: it lives and dies with this connection.
      const queue = physical(`order-service.live.${randomUUID()}`);
      const consumer = connection.createConsumer(
        {
          queue,
          queueOptions: { exclusive: true, autoDelete: true, arguments: { 'x-queue-type': 'classic' } },
          exchanges: [topicExchange(physical(exchange))],
          queueBindings: [{ queue, exchange: physical(exchange), routingKey: pattern }],
          noAck: true,
        },
        (message) => {
          const decoded = decodeEnvelope(message.body);
          if (decoded.ok) listener(decoded.envelope, message.routingKey);
        },
      );
      consumer.on('error', (err) => logger.warn({ err, queue }, 'subscription consumer error'));
      consumers.add(consumer);
      // With the broker there, wait for the queue so an event published next is seen. Without it,
      // the consumer sets itself up when the broker returns: start-up must not wait or fail.
      if (connected()) {
        await new Promise<void>((resolve) => {
          consumer.once('ready', resolve);
          consumer.once('error', () => resolve());
        });
      }
      return {
        async close() {
          consumers.delete(consumer);
          await consumer.close();
        },
      };
    },

    async consumerCount(queue: string) {
      // A passive declare only reads the queue's state; it fails if the queue does not exist.
      const { consumerCount } = await connection.queueDeclare({ queue: physical(queue), passive: true });
      return consumerCount;
    },

    isConnected: connected,
    connectionState: () => (connected() ? 'connected' : everConnected ? 'lost' : 'connecting'),

    async whenConnected(timeoutMs: number) {
      if (connected()) return;
      await once(onDeclared, 'declared', { signal: AbortSignal.timeout(timeoutMs) }).catch(
        (error: unknown) => {
          throw new Error(`RabbitMQ not connected within ${timeoutMs} ms`, { cause: error });
        },
      );
    },

    async close() {
      if (stopping) return;
      stopping = true;
      await Promise.all([...consumers].map((consumer) => consumer.close()));
      consumers.clear();
      closed = true;
      await publisher.close();
      await connection.close();
    },
  };
}

function envelopeProperties(envelope: Envelope) {
  return {
    durable: true,
    contentType: 'application/json',
    messageId: envelope.messageId,
    type: envelope.type,
    correlationId: envelope.correlationId,
    // The standard place for trace context on AMQP, for consumers that do not read the envelope.
    ...(envelope.traceparent && { headers: { traceparent: envelope.traceparent } }),
  };
}

import type { Logger } from 'pino';
import {
  type Consumer as AmqpConsumer,
  type Envelope as AmqpEnvelope,
  type AsyncMessage,
  Connection,
  ConsumerStatus,
  type Publisher,
} from 'rabbitmq-client';
import type { Envelope } from '../../application/messages.js';
import type { Consumer, MessageBus, MessageHandler, OutgoingMessage } from './bus.js';
import { decodeEnvelope, describeError } from './envelope-codec.js';
import { attemptOf, copyHeaders, type Failure, headers, originOf } from './rabbitmq-headers.js';
import { findQueue, type MessagingTopology, messagingTopology } from './topology.js';

export interface RabbitMqBusOptions {
  /** amqp://user:password@host:port/vhost */
  url: string;
  /** Unacknowledged messages a consumer holds at once; also its handler concurrency. */
  prefetch: number;
  /** Deliveries of one message before it is dead-lettered (at least 1). */
  maxAttempts: number;
  logger: Logger;
  /** Logical names of the work queues to declare at start; every queue of the topology by default. */
  queues?: readonly string[];
  /** Prepended to every exchange and queue name, to isolate tests; production leaves it empty. */
  namePrefix?: string;
  /** Shown by `rabbitmqctl list_connections` and the management UI. */
  connectionName?: string;
  /** How long to wait for the first connection before giving up. Default 10 s. */
  connectTimeoutMs?: number;
  /** Publish attempts (each waits for a reconnect when needed) before `publish` rejects. Default 3. */
  publishAttempts?: number;
  topology?: MessagingTopology;
}

/**
 * A backstop only: the adapter counts attempts itself and dead-letters after `maxAttempts`. The
 * broker's own limit catches what the adapter cannot (a consumer that crashes on a message), and is
 * a constant so that changing `maxAttempts` never changes a queue's arguments (RabbitMQ refuses
 * to redeclare a queue with different arguments).
 */
const BROKER_DELIVERY_LIMIT = 20;

/**
 * Connects, declares the durable topology, and returns the bus. Rejects when the broker cannot be
 * reached within `connectTimeoutMs`; after that, connection losses are repaired in the background
 * (consumers and the publisher redeclare their topology on every reconnect).
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
  if (!Number.isInteger(prefetch) || prefetch < 1)
    throw new RangeError('prefetch must be a positive integer');

  const topology = options.topology ?? messagingTopology;
  const physical = (name: string) => `${options.namePrefix ?? ''}${name}`;
  const declarations = declarationsFor(topology, physical, options.queues);

  const connection = new Connection({
    url: options.url,
    connectionName: options.connectionName,
    // Reconnect fast after a broker restart or a forced close, then back off.
    retryLow: 250,
    retryHigh: 10_000,
  });
  connection.on('error', (err) => logger.warn({ err }, 'rabbitmq connection error'));
  connection.on('connection', () => logger.info('rabbitmq connected'));

  try {
    await connection.onConnect(options.connectTimeoutMs ?? 10_000);
    await declare(connection, declarations);
  } catch (error) {
    connection.unsafeDestroy();
    throw new Error('cannot connect to RabbitMQ or declare the topology', { cause: error });
  }

  const publisher = connection.createPublisher({
    confirm: true,
    maxAttempts: options.publishAttempts ?? 3,
    ...declarations,
  });
  publisher.on('retry', (err, envelope: AmqpEnvelope) =>
    logger.warn({ err, messageId: envelope.messageId }, 'rabbitmq publish failed; retrying'),
  );

  const consumers = new Set<AmqpConsumer>();
  let closed = false;

  const deliver = createDeliveryProcessor({ publisher, physical, topology, maxAttempts, logger });

  return {
    publish({ exchange, routingKey, envelope }: OutgoingMessage) {
      if (closed) return Promise.reject(new Error('message bus is closed'));
      return publisher.send(
        { exchange: physical(exchange), routingKey, ...envelopeProperties(envelope) },
        serialize(envelope),
      );
    },

    consume(queue: string, handler: MessageHandler): Consumer {
      if (closed) throw new Error('message bus is closed');
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

    isConnected: () => !closed && connection.ready,

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...consumers].map((consumer) => consumer.close()));
      consumers.clear();
      await publisher.close();
      await connection.close();
    },
  };
}

interface DeliveryProcessorDeps {
  publisher: Publisher;
  physical: (name: string) => string;
  topology: MessagingTopology;
  maxAttempts: number;
  logger: Logger;
}

function createDeliveryProcessor({
  publisher,
  physical,
  topology,
  maxAttempts,
  logger,
}: DeliveryProcessorDeps) {
  const deadLetter = (
    queue: string,
    message: AsyncMessage,
    body: unknown,
    failure: Failure,
    error: string,
  ) => {
    const attempts = attemptOf(message);
    return publisher.send(
      {
        exchange: physical(topology.deadLetterExchange),
        routingKey: originOf(message).routingKey,
        ...carriedProperties(message),
        headers: copyHeaders(message, {
          [headers.attempts]: attempts,
          [headers.lastError]: error,
          [headers.failure]: failure,
          [headers.originalQueue]: queue,
          [headers.deadLetteredAt]: new Date().toISOString(),
        }),
      },
      body,
    );
  };

  const retry = (queue: string, message: AsyncMessage, envelope: Envelope, error: string) =>
    publisher.send(
      {
        exchange: '',
        routingKey: physical(queue),
        ...carriedProperties(message),
        headers: copyHeaders(message, { [headers.attempts]: attemptOf(message), [headers.lastError]: error }),
      },
      serialize(envelope),
    );

  // Throwing from here nacks with requeue, which only happens when the retry or dead-letter
  // publish itself failed: the broker then redelivers and counts the redelivery.
  return async (queue: string, message: AsyncMessage, handler: MessageHandler): Promise<ConsumerStatus> => {
    const attempt = attemptOf(message);
    const decoded = decodeEnvelope(message.body);
    if (!decoded.ok) {
      logger.error(
        { queue, messageId: message.messageId, reason: decoded.reason },
        'invalid message dead-lettered',
      );
      try {
        await deadLetter(queue, message, rawBody(message.body), 'invalid-message', decoded.reason);
        return ConsumerStatus.ACK;
      } catch (err) {
        logger.error({ err, queue, messageId: message.messageId }, 'dead-letter publish failed; rejecting');
        return ConsumerStatus.DROP;
      }
    }

    const { envelope } = decoded;
    try {
      await handler({ envelope, redelivered: attempt > 1, deliveryCount: attempt });
      return ConsumerStatus.ACK;
    } catch (handlerError) {
      const error = describeError(handlerError);
      const context = { queue, messageId: envelope.messageId, type: envelope.type, attempt, error };
      if (attempt >= maxAttempts) {
        logger.error(context, 'message handler failed on its last attempt; dead-lettered');
        await deadLetter(queue, message, serialize(envelope), 'handler-failed', error);
      } else {
        logger.warn(context, 'message handler failed; will retry');
        await retry(queue, message, envelope, error);
      }
      return ConsumerStatus.ACK;
    }
  };
}

interface Declarations {
  queues: { queue: string; durable: true; arguments: Record<string, unknown> }[];
  exchanges: ReturnType<typeof topicExchange>[];
  queueBindings: { queue: string; exchange: string; routingKey: string }[];
}

function declarationsFor(
  topology: MessagingTopology,
  physical: (name: string) => string,
  only: readonly string[] | undefined,
): Declarations {
  const workQueues = only ? only.map((name) => findQueue(topology, name)) : topology.queues;
  const deadLetterExchange = physical(topology.deadLetterExchange);
  return {
    queues: [
      { queue: physical(topology.deadLetterQueue), durable: true, arguments: { 'x-queue-type': 'quorum' } },
      ...workQueues.map((queue) => ({
        queue: physical(queue.name),
        durable: true as const,
        arguments: workQueueArguments(deadLetterExchange),
      })),
    ],
    exchanges: topology.exchanges.map((exchange) => topicExchange(physical(exchange))),
    queueBindings: [
      { queue: physical(topology.deadLetterQueue), exchange: deadLetterExchange, routingKey: '#' },
      ...workQueues.flatMap((queue) =>
        queue.bindings.map((binding) => ({
          queue: physical(queue.name),
          exchange: physical(binding.exchange),
          routingKey: binding.pattern,
        })),
      ),
    ],
  };
}

async function declare(connection: Connection, declarations: Declarations): Promise<void> {
  for (const exchange of declarations.exchanges) await connection.exchangeDeclare(exchange);
  for (const queue of declarations.queues) await connection.queueDeclare(queue);
  for (const binding of declarations.queueBindings) await connection.queueBind(binding);
}

function workQueueArguments(deadLetterExchange: string) {
  return {
    'x-queue-type': 'quorum' as const,
    'x-dead-letter-exchange': deadLetterExchange,
    'x-delivery-limit': BROKER_DELIVERY_LIMIT,
  };
}

function topicExchange(exchange: string) {
  return { exchange, type: 'topic', durable: true };
}

function envelopeProperties(envelope: Envelope) {
  return {
    durable: true,
    contentType: 'application/json',
    messageId: envelope.messageId,
    type: envelope.type,
    correlationId: envelope.correlationId,
  };
}

/** Keeps the AMQP properties of the original on a retried or dead-lettered copy. */
function carriedProperties(message: AsyncMessage) {
  return {
    durable: true,
    contentType: message.contentType,
    messageId: message.messageId,
    type: message.type,
    correlationId: message.correlationId,
  };
}

/** A Buffer body is sent as is, so the client keeps the content type we set. */
function serialize(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

function rawBody(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

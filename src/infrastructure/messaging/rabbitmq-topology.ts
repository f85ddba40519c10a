import type { Connection } from 'rabbitmq-client';
import { findQueue, type MessagingTopology } from './topology.js';

/**
 * A backstop only: the adapter counts attempts itself and dead-letters after `maxAttempts`. The
 * broker's own limit catches what the adapter cannot (a consumer that crashes on a message), and is
 * a constant so that changing `maxAttempts` never changes a queue's arguments (RabbitMQ refuses
 * to redeclare a queue with different arguments).
 */
export const BROKER_DELIVERY_LIMIT = 20;

export interface Declarations {
  queues: { queue: string; durable: true; arguments: Record<string, unknown> }[];
  exchanges: ReturnType<typeof topicExchange>[];
  queueBindings: { queue: string; exchange: string; routingKey: string }[];
}

export function declarationsFor(
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

export async function declareTopology(connection: Connection, declarations: Declarations): Promise<void> {
  for (const exchange of declarations.exchanges) await connection.exchangeDeclare(exchange);
  for (const queue of declarations.queues) await connection.queueDeclare(queue);
  for (const binding of declarations.queueBindings) await connection.queueBind(binding);
}

export function workQueueArguments(deadLetterExchange: string) {
  return {
    'x-queue-type': 'quorum' as const,
    'x-dead-letter-exchange': deadLetterExchange,
    'x-delivery-limit': BROKER_DELIVERY_LIMIT,
  };
}

export function topicExchange(exchange: string) {
  return { exchange, type: 'topic', durable: true };
}

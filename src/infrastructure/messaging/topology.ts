import { topology as names } from '../../application/messaging/contract.js';

export interface QueueBinding {
  exchange: string;
  pattern: string;
}

export interface QueueDefinition {
  name: string;
  bindings: readonly QueueBinding[];
}

/**
 * The routing both buses implement, in logical names (those of `topology` in application/messaging/contract.ts).
 * Commands are routed to a participant by the first word of their type, replies all go to the
 * order service, and every work queue dead-letters into one dead-letter queue.
 */
export interface MessagingTopology {
  /** Topic exchanges, the dead-letter exchange included. */
  exchanges: readonly string[];
  deadLetterExchange: string;
  deadLetterQueue: string;
  /** The work queues; each dead-letters to `deadLetterExchange`. */
  queues: readonly QueueDefinition[];
}

export const messagingTopology: MessagingTopology = {
  exchanges: [names.commandsExchange, names.repliesExchange, names.eventsExchange, names.deadLetterExchange],
  deadLetterExchange: names.deadLetterExchange,
  deadLetterQueue: names.deadLetterQueue,
  queues: [
    { name: names.inventoryQueue, bindings: [{ exchange: names.commandsExchange, pattern: 'inventory.#' }] },
    { name: names.paymentQueue, bindings: [{ exchange: names.commandsExchange, pattern: 'payment.#' }] },
    { name: names.replyQueue, bindings: [{ exchange: names.repliesExchange, pattern: '#' }] },
  ],
};

export function findQueue(topology: MessagingTopology, name: string): QueueDefinition {
  const queue = topology.queues.find((candidate) => candidate.name === name);
  if (!queue) throw new Error(`unknown queue "${name}": it is not part of the messaging topology`);
  return queue;
}

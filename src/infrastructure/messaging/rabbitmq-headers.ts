import type { AsyncMessage } from 'rabbitmq-client';

/**
 * Headers this adapter adds to retried and dead-lettered copies of a message. A dead letter
 * carries the error that killed it, so the dead-letter queue is readable on its own.
 */
export const headers = {
  /** Deliveries consumed before this copy was published (absent on an original message). */
  attempts: 'x-attempts',
  lastError: 'x-last-error',
  /** `handler-failed` or `invalid-message`. */
  failure: 'x-failure',
  originalQueue: 'x-original-queue',
  originalExchange: 'x-original-exchange',
  originalRoutingKey: 'x-original-routing-key',
  deadLetteredAt: 'x-dead-lettered-at',
} as const;

/** Set by quorum queues: how many times the broker took this copy back unacknowledged. */
const brokerDeliveryCount = 'x-delivery-count';

export type Failure = 'handler-failed' | 'invalid-message';

/**
 * Which delivery of the message this is, counting handler failures (carried in `x-attempts` on
 * the retried copy) and broker redeliveries after a lost connection (`x-delivery-count`).
 */
export function attemptOf(message: AsyncMessage): number {
  const prior = numberHeader(message, headers.attempts);
  const returned = numberHeader(message, brokerDeliveryCount);
  return prior + (returned > 0 ? returned : message.redelivered ? 1 : 0) + 1;
}

export interface Origin {
  exchange: string;
  routingKey: string;
}

/** Where the message was first published; a retried copy travels through the default exchange. */
export function originOf(message: AsyncMessage): Origin {
  const stored = message.headers ?? {};
  return {
    exchange:
      typeof stored[headers.originalExchange] === 'string'
        ? stored[headers.originalExchange]
        : message.exchange,
    routingKey:
      typeof stored[headers.originalRoutingKey] === 'string'
        ? stored[headers.originalRoutingKey]
        : message.routingKey,
  };
}

/** Headers for a copy of `message`: broker bookkeeping is dropped, since the copy is a new message. */
export function copyHeaders(
  message: AsyncMessage,
  extra: Record<string, string | number>,
): Record<string, unknown> {
  const { [brokerDeliveryCount]: _count, 'x-death': _death, ...kept } = message.headers ?? {};
  const origin = originOf(message);
  return {
    ...kept,
    [headers.originalExchange]: origin.exchange,
    [headers.originalRoutingKey]: origin.routingKey,
    ...extra,
  };
}

function numberHeader(message: AsyncMessage, name: string): number {
  const value = message.headers?.[name];
  const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(parsed) && parsed > 0 ? Math.floor(parsed) : 0;
}

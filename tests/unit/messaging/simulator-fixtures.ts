import type { Envelope } from '../../../src/application/messaging/contract.js';

let sequence = 0;

/** A command envelope; each call gets a new messageId unless one is given. */
export function aCommand(type: string, payload: unknown, messageId = `cmd-${++sequence}`): Envelope {
  return {
    messageId,
    type,
    correlationId: (payload as { orderId?: string }).orderId ?? 'o-?',
    causationId: null,
    occurredAt: '2024-01-01T00:00:00.000Z',
    payload,
  };
}

export const fixedClock = () => new Date('2024-05-01T12:00:00.000Z');

export function counterIds(prefix = 'id'): () => string {
  let next = 0;
  return () => `${prefix}-${++next}`;
}

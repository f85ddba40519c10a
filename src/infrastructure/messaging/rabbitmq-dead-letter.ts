import type { AsyncMessage } from 'rabbitmq-client';
import type { DeadLetterMessage } from './bus.js';
import { headers } from './rabbitmq-headers.js';

/**
 * Reads a message of the dead-letter queue: the adapter's own `x-*` headers when it dead-lettered
 * the message, the broker's `x-death` when the broker did (delivery limit, a nack). Physical names
 * are turned back into logical ones so that a replay goes through the outbox like any message.
 */
export function toDeadLetterMessage(message: AsyncMessage, namePrefix: string): DeadLetterMessage {
  const stored = message.headers ?? {};
  const death = firstDeath(stored['x-death']);
  const logical = (name: string) =>
    namePrefix && name.startsWith(namePrefix) ? name.slice(namePrefix.length) : name;
  const body = bodyText(message.body);
  const envelopeId = messageIdOf(body);
  return {
    messageId: message.messageId ?? envelopeId,
    type: message.type ?? null,
    exchange: logical(text(stored[headers.originalExchange]) ?? death?.exchange ?? message.exchange),
    routingKey: text(stored[headers.originalRoutingKey]) ?? death?.routingKey ?? message.routingKey,
    queue: logical(text(stored[headers.originalQueue]) ?? death?.queue ?? ''),
    headers: stored,
    body,
    error:
      text(stored[headers.lastError]) ?? (death ? `dead-lettered by the broker: ${death.reason}` : 'unknown'),
    attempts: numberOf(stored[headers.attempts]) ?? death?.count ?? 1,
    deadLetteredAt: text(stored[headers.deadLetteredAt]) ?? new Date().toISOString(),
  };
}

function firstDeath(value: unknown) {
  const [first] = Array.isArray(value) ? value : [];
  if (!first || typeof first !== 'object') return null;
  const death = first as Record<string, unknown>;
  const keys = Array.isArray(death['routing-keys']) ? death['routing-keys'] : [];
  return {
    exchange: text(death.exchange) ?? '',
    routingKey: text(keys[0]) ?? '',
    queue: text(death.queue) ?? '',
    reason: text(death.reason) ?? 'unknown',
    count: numberOf(death.count) ?? 1,
  };
}

function bodyText(body: unknown): string {
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function messageIdOf(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { messageId?: unknown };
    return typeof parsed.messageId === 'string' ? parsed.messageId : null;
  } catch {
    return null;
  }
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

function numberOf(value: unknown): number | undefined {
  const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(parsed) && parsed > 0 ? Math.floor(parsed) : undefined;
}

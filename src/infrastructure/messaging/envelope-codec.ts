import type { Envelope } from '../../application/messaging/contract.js';

/** A Buffer body is sent as is, so the AMQP client keeps the content type set beside it. */
export function encodeEnvelope(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

export type DecodeResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };

/**
 * Turns a message body into an envelope. The AMQP client already parses `application/json`
 * bodies, but leaves a Buffer when the JSON is malformed or the content type is missing, so both
 * shapes arrive here.
 */
export function decodeEnvelope(body: unknown): DecodeResult {
  let value = body;
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    try {
      value = JSON.parse(body.toString());
    } catch (error) {
      return { ok: false, reason: `body is not valid JSON (${(error as Error).message})` };
    }
  }
  const problem = envelopeProblem(value);
  return problem
    ? { ok: false, reason: problem }
    : { ok: true, envelope: withoutBadTraceparent(value as Envelope) };
}

/** Trace context is best effort: a malformed one is dropped, never a reason to refuse the message. */
function withoutBadTraceparent(envelope: Envelope): Envelope {
  if (envelope.traceparent === undefined || typeof envelope.traceparent === 'string') return envelope;
  const { traceparent: _dropped, ...rest } = envelope;
  return rest;
}

function envelopeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'body is not a JSON object';
  const candidate = value as Record<string, unknown>;
  for (const field of ['messageId', 'type', 'correlationId', 'occurredAt'] as const) {
    if (typeof candidate[field] !== 'string' || candidate[field] === '') {
      return `envelope field "${field}" must be a non-empty string`;
    }
  }
  if (candidate.causationId !== null && typeof candidate.causationId !== 'string') {
    return 'envelope field "causationId" must be a string or null';
  }
  if (!('payload' in candidate)) return 'envelope has no payload';
  return null;
}

/** Error text for a header: bounded, because headers travel with every copy of the message. */
export function describeError(error: unknown, maxLength = 1000): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

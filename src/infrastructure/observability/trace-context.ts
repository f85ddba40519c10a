import {
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Envelope } from '../../application/messaging/contract.js';

/**
 * W3C trace context (`traceparent`) in and out of HTTP headers, AMQP headers and envelopes. The
 * propagator is used directly rather than through the global propagation API: the service needs
 * nothing registered globally for it.
 */
const propagator = new W3CTraceContextPropagator();

/** The context a `traceparent` (and `tracestate`) in `carrier` continues; `base` when there is none. */
export function extractContext(carrier: Record<string, unknown>, base: Context = ROOT_CONTEXT): Context {
  return propagator.extract(base, carrier, defaultTextMapGetter);
}

/** The context of a message's envelope: the span that wrote or published it. */
export function contextOfEnvelope(envelope: Envelope, base: Context = ROOT_CONTEXT): Context {
  return envelope.traceparent ? extractContext({ traceparent: envelope.traceparent }, base) : base;
}

/** The `traceparent` of the span active in `active`, or undefined when there is none. */
export function traceparentOf(active: Context = context.active()): string | undefined {
  const spanContext = trace.getSpanContext(active);
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  const carrier: Record<string, string> = {};
  propagator.inject(active, carrier, defaultTextMapSetter);
  return carrier.traceparent;
}

/**
 * The envelope stamped with the active span's `traceparent`, when it has none and a span is
 * active: a command or event written while a request or a reply is handled continues its trace.
 * Without tracing no span is ever active and the envelope is returned as it is.
 */
export function withTraceparent<T extends Envelope>(envelope: T): T {
  if (envelope.traceparent) return envelope;
  const traceparent = traceparentOf();
  return traceparent ? { ...envelope, traceparent } : envelope;
}

import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { MessageBus } from '../messaging/bus.js';
import { contextOfEnvelope, traceparentOf } from './trace-context.js';

/**
 * Producer and consumer spans around the bus. A published message's span is the child of the
 * context its envelope carries (stamped when the outbox row was written, so the relay's poller,
 * which runs outside any request, still publishes into the right trace) or else of the active
 * span; the message then leaves with the producer span's `traceparent`. A consumed message's span
 * continues that context and is active while the handler runs, so what the handler writes to the
 * outbox, and the lines it logs, belong to the same trace.
 */
export function traceBus(bus: MessageBus, tracer: Tracer): MessageBus {
  return {
    ...bindAll(bus),
    publish(message) {
      const { exchange, routingKey, envelope } = message;
      const parent = contextOfEnvelope(envelope, context.active());
      const span = tracer.startSpan(
        `publish ${exchange}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            ...messageAttributes(envelope),
            'messaging.operation.type': 'send',
            'messaging.operation.name': 'publish',
            'messaging.destination.name': exchange,
            'messaging.rabbitmq.destination.routing_key': routingKey,
          },
        },
        parent,
      );
      const traceparent = traceparentOf(trace.setSpan(parent, span));
      const sent = traceparent ? { ...message, envelope: { ...envelope, traceparent } } : message;
      return settle(span, bus.publish(sent));
    },
    consume(queue, handler) {
      return bus.consume(queue, (delivery) => {
        const { envelope } = delivery;
        const parent = contextOfEnvelope(envelope);
        const span = tracer.startSpan(
          `process ${queue}`,
          {
            kind: SpanKind.CONSUMER,
            attributes: {
              ...messageAttributes(envelope),
              'messaging.operation.type': 'process',
              'messaging.operation.name': 'process',
              'messaging.destination.name': queue,
              'messaging.message.delivery_count': delivery.deliveryCount,
            },
          },
          parent,
        );
        return context.with(trace.setSpan(parent, span), () => settle(span, handler(delivery)));
      });
    },
  };
}

function messageAttributes(envelope: { messageId: string; type: string; correlationId: string }) {
  return {
    'messaging.system': 'rabbitmq',
    'messaging.message.id': envelope.messageId,
    // The order id: every message of one saga shares it.
    'messaging.message.conversation_id': envelope.correlationId,
    'message.type': envelope.type,
  };
}

async function settle<T>(span: Span, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** The bus's other operations, passed through untraced. */
function bindAll(bus: MessageBus): MessageBus {
  return {
    publish: (message) => bus.publish(message),
    consume: (queue, handler) => bus.consume(queue, handler),
    consumeDeadLetters: (handler) => bus.consumeDeadLetters(handler),
    subscribe: (exchange, pattern, listener) => bus.subscribe(exchange, pattern, listener),
    consumerCount: (queue) => bus.consumerCount(queue),
    isConnected: () => bus.isConnected(),
    connectionState: () => bus.connectionState(),
    whenConnected: (timeoutMs) => bus.whenConnected(timeoutMs),
    close: () => bus.close(),
  };
}

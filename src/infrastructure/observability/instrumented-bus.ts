import { withLogContext } from '../../logger.js';
import type { MessageBus } from '../messaging/bus.js';
import { boundedLabel, type Metrics } from './metrics.js';

/**
 * Decorates the bus so that every consumer, whoever registered it (the saga's reply handler,
 * the embedded simulators), is timed by queue and message type, counts its failures, and logs
 * with the message's correlationId (the order id), messageId and type. Failures still propagate:
 * the adapter retries and dead-letters as before.
 */
export function instrumentBus(
  bus: MessageBus,
  metrics: Pick<Metrics, 'messageDuration' | 'errors'>,
): MessageBus {
  const typeLabel = boundedLabel(100);
  return {
    publish: (message) => bus.publish(message),
    consumerCount: (queue) => bus.consumerCount(queue),
    isConnected: () => bus.isConnected(),
    connectionState: () => bus.connectionState(),
    whenConnected: (timeoutMs) => bus.whenConnected(timeoutMs),
    close: () => bus.close(),
    consumeDeadLetters: (handler) => bus.consumeDeadLetters(handler),
    subscribe: (exchange, pattern, listener) => bus.subscribe(exchange, pattern, listener),
    consume(queue, handler) {
      return bus.consume(queue, (delivery) => {
        const { envelope } = delivery;
        const stop = metrics.messageDuration.startTimer({ queue, type: typeLabel(envelope.type) });
        const context = {
          correlationId: envelope.correlationId,
          messageId: envelope.messageId,
          type: envelope.type,
          queue,
        };
        return withLogContext(context, async () => {
          try {
            await handler(delivery);
          } catch (error) {
            metrics.errors.inc({ kind: 'message_handler' });
            throw error;
          } finally {
            stop();
          }
        });
      });
    },
  };
}

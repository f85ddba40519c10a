import { setTimeout } from 'node:timers/promises';
import type { Logger } from 'pino';
import { type AsyncMessage, ConsumerStatus, type Publisher } from 'rabbitmq-client';
import type { Envelope } from '../../application/messaging/contract.js';
import type { MessageHandler } from './bus.js';
import { decodeEnvelope, describeError, encodeEnvelope } from './envelope-codec.js';
import { attemptOf, copyHeaders, type Failure, headers, originOf } from './rabbitmq-headers.js';
import { outageRetryMs, retryDelayMs } from './retry-delay.js';
import type { MessagingTopology } from './topology.js';

export interface DeliveryProcessorDeps {
  publisher: Publisher;
  physical: (name: string) => string;
  topology: MessagingTopology;
  maxAttempts: number;
  /** Base of the exponential wait before a retry (retry-delay.ts). */
  retryBaseDelayMs: number;
  /** True for a failure that is a dependency's outage, retried without using up an attempt (bus.ts). */
  isOutage?: (error: unknown) => boolean;
  logger: Logger;
}

/**
 * Wraps a message handler with the bus's retry rules; the returned function is the AMQP consumer
 * callback and tells the client how to settle each message.
 */
export function createDeliveryProcessor({
  publisher,
  physical,
  topology,
  maxAttempts,
  retryBaseDelayMs,
  isOutage = () => false,
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

  /** `attemptsUsed`: what the copy carries in `x-attempts`; its next delivery is attempt `attemptsUsed + 1`. */
  const retry = (
    queue: string,
    message: AsyncMessage,
    envelope: Envelope,
    error: string,
    attemptsUsed: number,
  ) =>
    publisher.send(
      {
        exchange: '',
        routingKey: physical(queue),
        ...carriedProperties(message),
        headers: copyHeaders(message, { [headers.attempts]: attemptsUsed, [headers.lastError]: error }),
      },
      encodeEnvelope(envelope),
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

    const envelope = withHeaderTraceparent(decoded.envelope, message.headers);
    try {
      await handler({ envelope, redelivered: attempt > 1, deliveryCount: attempt });
      return ConsumerStatus.ACK;
    } catch (handlerError) {
      const error = describeError(handlerError);
      const context = {
        queue,
        messageId: envelope.messageId,
        type: envelope.type,
        correlationId: envelope.correlationId,
        attempt,
        error,
      };
      if (isOutage(handlerError)) {
        // The message is fine and its dependency is away: it waits the outage out, however long,
        // instead of being dead-lettered by it (a reply lost so cancelled an order as "timed out").
        logger.info(context, 'message handler met an outage; will retry without using up an attempt');
        await setTimeout(outageRetryMs);
        await retry(queue, message, envelope, error, attempt - 1);
      } else if (attempt >= maxAttempts) {
        logger.error(context, 'message handler failed on its last attempt; dead-lettered');
        await deadLetter(queue, message, encodeEnvelope(envelope), 'handler-failed', error);
      } else {
        logger.warn(context, 'message handler failed; will retry');
        // The message holds its consumer slot while it waits, which also slows a failing consumer down.
        await setTimeout(retryDelayMs(attempt, retryBaseDelayMs));
        await retry(queue, message, envelope, error, attempt);
      }
      return ConsumerStatus.ACK;
    }
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

/**
 * A `traceparent` header is the AMQP convention, so a participant that sets only the header (or
 * a hop that replaced it) is followed; the envelope's own field serves when there is no header.
 */
function withHeaderTraceparent(
  envelope: Envelope,
  amqpHeaders: Record<string, unknown> | undefined,
): Envelope {
  const traceparent = amqpHeaders?.traceparent;
  return typeof traceparent === 'string' && traceparent !== envelope.traceparent
    ? { ...envelope, traceparent }
    : envelope;
}

function rawBody(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

import type { Envelope, RoutedMessage } from '../../application/messaging/contract.js';

/**
 * The port the rest of the service uses to talk to the broker. Exchange and queue names are the
 * logical names of `topology` in application/messaging/contract.ts; an adapter may map them to physical names.
 */
export interface Delivery {
  envelope: Envelope;
  /** True when this message was handed to a consumer before (a retry, or a broker redelivery). */
  redelivered: boolean;
  /** 1 on the first delivery; counts handler failures and broker redeliveries alike. */
  deliveryCount: number;
}

export type MessageHandler = (delivery: Delivery) => Promise<void>;

export interface Consumer {
  /** Stops taking new messages and waits for the handlers in flight to settle. */
  close(): Promise<void>;
}

export interface MessageBus {
  /**
   * Resolves only once the message is safely stored (broker publisher confirm); rejects otherwise.
   * A message no queue is bound for is dropped, as a topic exchange does.
   */
  publish(message: RoutedMessage): Promise<void>;
  /**
   * Delivers each message of `queue` to `handler`; the message is acknowledged only after the
   * handler resolves. When it throws, the message is delivered again, and once it has been
   * delivered `maxAttempts` times it goes to the dead-letter queue with the error recorded.
   * Delivery is at-least-once: handlers must tolerate duplicates (dedupe by messageId).
   */
  consume(queue: string, handler: MessageHandler): Consumer;
  /** How many consumers serve `queue` right now: readiness uses it to see the participants. */
  consumerCount(queue: string): Promise<number>;
  /** True while connected (used by the readiness check). */
  isConnected(): boolean;
  /** Closes every consumer (waiting for handlers in flight), then the connection. */
  close(): Promise<void>;
}

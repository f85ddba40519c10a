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

/** A message that failed every attempt, as the dead-letter queue holds it. */
export interface DeadLetterMessage {
  /** Absent only when the body was not an envelope and the broker message had no id. */
  messageId: string | null;
  type: string | null;
  /** Where it was first published (logical names), so a replay goes the same way. */
  exchange: string;
  routingKey: string;
  /** The work queue whose consumer gave up on it. */
  queue: string;
  headers: Record<string, unknown>;
  /** The body as received: an envelope's JSON, or whatever could not be decoded. */
  body: string;
  error: string;
  attempts: number;
  deadLetteredAt: string;
}

/** Stores a dead letter; the message is acknowledged only after it resolves. */
export type DeadLetterHandler = (letter: DeadLetterMessage) => Promise<void>;

/** Sees messages published to an exchange while subscribed; nothing is kept for it otherwise. */
export type EventListener = (envelope: Envelope, routingKey: string) => void;

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
   * delivered `maxAttempts` times it goes to the dead-letter queue with the error recorded. A
   * failure the bus's `isOutage` option recognises (the database unreachable) uses up no attempt:
   * the message is tried again every second until the outage ends.
   * Delivery is at-least-once: handlers must tolerate duplicates (dedupe by messageId).
   */
  consume(queue: string, handler: MessageHandler): Consumer;
  /**
   * Consumes the dead-letter queue. A letter is acknowledged once `handler` resolves; when it
   * throws, the letter stays queued and is offered again.
   */
  consumeDeadLetters(handler: DeadLetterHandler): Consumer;
  /**
   * A transient subscription (RabbitMQ: an exclusive, auto-deleted queue of this instance) to
   * what is published on `exchange` under `pattern`. For live views; delivery is best effort.
   */
  subscribe(exchange: string, pattern: string, listener: EventListener): Promise<Consumer>;
  /** How many consumers serve `queue` right now: readiness uses it to see the participants. */
  consumerCount(queue: string): Promise<number>;
  /** True while connected (used by the readiness check). */
  isConnected(): boolean;
  /**
   * `connecting`: not connected yet since start-up (the topology may not exist); `lost`: was
   * connected and is reconnecting, while the outbox holds what is published meanwhile.
   */
  connectionState(): 'connected' | 'connecting' | 'lost';
  /** Resolves once connected with the topology declared; rejects after `timeoutMs`. */
  whenConnected(timeoutMs: number): Promise<void>;
  /** Closes every consumer (waiting for handlers in flight), then the connection. */
  close(): Promise<void>;
}

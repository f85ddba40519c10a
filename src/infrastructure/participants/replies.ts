import { v7 as uuidv7 } from 'uuid';
import type { Envelope, Reply, ReplyPayloads, ReplyType } from '../../application/messaging/contract.js';

export interface ReplyDeps {
  newId?: () => string;
  now?: () => Date;
}

export type ReplyTo = <K extends ReplyType>(
  command: Envelope,
  type: K,
  payload: ReplyPayloads[K] & { orderId: string },
) => Extract<Reply, { type: K }>;

/** Replies correlate by order id and name the command that caused them. */
export function createReplyFactory({ newId = uuidv7, now = () => new Date() }: ReplyDeps = {}): ReplyTo {
  return (command, type, payload) =>
    ({
      messageId: newId(),
      type,
      correlationId: payload.orderId,
      causationId: command.messageId,
      occurredAt: now().toISOString(),
      payload,
    }) as unknown as Extract<Reply, { type: typeof type }>;
}

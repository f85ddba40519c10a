import { v7 as uuidv7 } from 'uuid';
import type { Envelope, Reply, ReplyPayloads, ReplyType } from '../../application/messaging/contract.js';
import { traceparentOf } from '../observability/trace-context.js';

export interface ReplyDeps {
  newId?: () => string;
  now?: () => Date;
}

export type ReplyTo = <K extends ReplyType>(
  command: Envelope,
  type: K,
  payload: ReplyPayloads[K] & { orderId: string },
) => Extract<Reply, { type: K }>;

/**
 * Replies correlate by order id and name the command that caused them. They carry the trace on:
 * the participant's span that handled the command when one is active, else the command's own
 * context, so a participant without tracing still keeps the saga in one trace.
 */
export function createReplyFactory({ newId = uuidv7, now = () => new Date() }: ReplyDeps = {}): ReplyTo {
  return (command, type, payload) => {
    const traceparent = traceparentOf() ?? command.traceparent;
    return {
      messageId: newId(),
      type,
      correlationId: payload.orderId,
      causationId: command.messageId,
      occurredAt: now().toISOString(),
      payload,
      ...(traceparent && { traceparent }),
    } as unknown as Extract<Reply, { type: typeof type }>;
  };
}

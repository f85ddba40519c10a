import type { Envelope, Reply } from '../../../application/messaging/contract.js';
import { isUniqueViolation } from '../../db/sql-errors.js';
import { simulateLatency } from '../latency.js';
import { type ParticipantStore, replyLedger } from '../ledger.js';
import { InvalidCommand, type Participant, payloadOf, requireString } from '../participant.js';
import { createReplyFactory, type ReplyDeps } from '../replies.js';
import type { ChargeResult, PaymentProvider, RefundResult } from './payment-provider.js';

export interface PaymentParticipantOptions extends ReplyDeps {
  provider: PaymentProvider;
  /** Where the reply to each command is kept, so a redelivered command gets the very same message. */
  store: ParticipantStore;
  latencyMs?: number;
}

export type PaymentParticipant = Participant;

/** Provider calls remembered per process, so copies of a command arriving together make one call. */
const recentCalls = 1_000;

/** The provider refused a cancellation's full refund: the contract has no reply for that, so it is dead-lettered. */
export class RefundRefused extends Error {
  override readonly name = 'RefundRefused';
}

/**
 * The payment participant over any provider. Idempotency by business key is the provider's: it is
 * given the order id for a charge and the refund id for a refund (the simulated provider keeps
 * both in its tables, a real gateway takes them as Idempotency-Key), so a repeated or redelivered
 * command never charges twice, whatever this process remembers. The reply to each command is kept
 * in the store. A duplicate that arrives while the first call is in flight, or soon after, gets
 * that call's outcome instead of calling the provider again; only the last 1 000 calls are kept, so
 * memory stays flat. A provider that throws leaves no trace, so the redelivered command tries again.
 */
export function createPaymentParticipant(options: PaymentParticipantOptions): PaymentParticipant {
  const { provider } = options;
  const replyTo = createReplyFactory(options);
  const charges = new Map<string, Promise<ChargeResult>>();
  const refunds = new Map<string, Promise<RefundResult>>();
  const replies = replyLedger('payment');
  const { db } = options.store;

  const once = <T>(calls: Map<string, Promise<T>>, key: string, call: () => Promise<T>): Promise<T> => {
    const known = calls.get(key);
    if (known) return known;
    const started = call();
    calls.set(key, started);
    // Bounded: the oldest calls are forgotten (the provider still knows them by their key).
    if (calls.size > recentCalls) calls.delete(calls.keys().next().value as string);
    started.catch(() => calls.delete(key));
    return started;
  };

  const processPayment = async (command: Envelope, payload: Record<string, unknown>): Promise<Reply> => {
    const orderId = requireString(payload, 'orderId');
    const customerId = requireString(payload, 'customerId');
    const amountMinor = Number(payload.amountMinor);
    const currency = String(payload.currency ?? '');
    if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
      return replyTo(command, 'payment.failed', { orderId, reason: 'invalid amount' });
    }
    if (!/^[A-Z]{3}$/.test(currency))
      return replyTo(command, 'payment.failed', { orderId, reason: 'invalid currency' });

    const result = await once(charges, orderId, () =>
      provider.charge({ orderId, amountMinor, currency, customerId }),
    );
    return result.ok
      ? replyTo(command, 'payment.succeeded', {
          orderId,
          transactionId: result.transactionId,
          amountMinor,
          currency,
        })
      : replyTo(command, 'payment.failed', { orderId, reason: result.reason });
  };

  const refund = async (command: Envelope, payload: Record<string, unknown>): Promise<Reply> => {
    const orderId = requireString(payload, 'orderId');
    const transactionId = requireString(payload, 'transactionId');
    const amountMinor = Number(payload.amountMinor);
    const currency = String(payload.currency ?? '');
    const refundId = typeof payload.refundId === 'string' ? payload.refundId : undefined;
    const result = await once(refunds, refundId ?? transactionId, () =>
      provider.refund({ orderId, transactionId, amountMinor, currency, ...(refundId && { refundId }) }),
    );
    if (refundId) {
      // A refund the order service asked for by id has an answer for refusal too.
      return result.ok
        ? replyTo(command, 'payment.refunded', { orderId, transactionId, refundId })
        : replyTo(command, 'payment.refund_failed', {
            orderId,
            transactionId,
            refundId,
            reason: result.reason,
          });
    }
    if (!result.ok) throw new RefundRefused(`refund of ${transactionId} refused: ${result.reason}`);
    return replyTo(command, 'payment.refunded', { orderId, transactionId });
  };

  const decide = (command: Envelope): Promise<Reply> => {
    const payload = payloadOf(command);
    switch (command.type) {
      case 'payment.process':
        return processPayment(command, payload);
      case 'payment.refund':
        return refund(command, payload);
      default:
        throw new InvalidCommand(`payment cannot handle "${command.type}"`);
    }
  };

  return {
    async handle(command) {
      await simulateLatency(options.latencyMs ?? 0);
      const known = await replies.find(db, command.messageId);
      if (known) return known;
      const reply = await decide(command);
      try {
        await replies.recordingOf(db, command.messageId, reply).execute();
      } catch (error) {
        // A copy of this command answered first: both send its reply, so the saga sees one message.
        if (!isUniqueViolation(error)) throw error;
        return (await replies.find(db, command.messageId)) ?? reply;
      }
      return reply;
    },
  };
}

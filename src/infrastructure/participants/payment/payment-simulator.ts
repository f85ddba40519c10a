import { v7 as uuidv7 } from 'uuid';
import type { ReplyDeps } from '../replies.js';
import { createPaymentParticipant, type PaymentParticipant } from './payment-participant.js';
import type { ChargeRequest, PaymentProvider, RefundRequest } from './payment-provider.js';

export interface SimulatedPaymentOptions {
  /** Charges above this amount (minor units) are declined. No limit by default. */
  declineAboveMinor?: number;
  /** Share of charges declined at random, 0..1. Default 0. */
  failureRate?: number;
  /** Source of randomness for `failureRate`, injectable for tests. Default Math.random. */
  random?: () => number;
  newId?: () => string;
}

interface Transaction {
  request: ChargeRequest;
  /** Provider refund ids by our refund id (the charge's own id for a full refund). */
  refunds: Map<string, { refundId: string; amountMinor: number }>;
}

export interface SimulatedPaymentProvider extends PaymentProvider {
  /** What the provider holds for an order, in minor units: charged minus refunded. */
  balance(orderId: string): number;
}

/** A provider that approves or declines by rule and keeps its transactions in memory. */
export function createSimulatedPaymentProvider(
  options: SimulatedPaymentOptions = {},
): SimulatedPaymentProvider {
  const { declineAboveMinor = Number.POSITIVE_INFINITY, failureRate = 0, random = Math.random } = options;
  if (!(failureRate >= 0 && failureRate <= 1)) throw new RangeError('failureRate must be between 0 and 1');
  const newId = options.newId ?? uuidv7;
  const transactions = new Map<string, Transaction>();

  return {
    balance(orderId) {
      let held = 0;
      for (const { request, refunds } of transactions.values()) {
        if (request.orderId !== orderId) continue;
        held += request.amountMinor;
        for (const refund of refunds.values()) held -= refund.amountMinor;
      }
      return held;
    },

    async charge(request: ChargeRequest) {
      if (request.amountMinor > declineAboveMinor)
        return { ok: false, reason: 'amount exceeds the card limit' };
      if (random() < failureRate) return { ok: false, reason: 'card declined' };
      const transactionId = `sim_${newId()}`;
      transactions.set(transactionId, { request, refunds: new Map() });
      return { ok: true, transactionId };
    },

    async refund({ transactionId, refundId, amountMinor, currency }: RefundRequest) {
      const transaction = transactions.get(transactionId);
      if (!transaction) return { ok: false, reason: `unknown transaction ${transactionId}` };
      // Idempotent per refund, like a gateway given an Idempotency-Key.
      const key = refundId ?? transactionId;
      const known = transaction.refunds.get(key);
      if (known) return { ok: true, refundId: known.refundId };
      const refunded = [...transaction.refunds.values()].reduce((sum, refund) => sum + refund.amountMinor, 0);
      if (
        currency !== transaction.request.currency ||
        amountMinor > transaction.request.amountMinor - refunded
      ) {
        return { ok: false, reason: 'refund exceeds what is left of the charge' };
      }
      const refund = { refundId: `sim_refund_${newId()}`, amountMinor };
      transaction.refunds.set(key, refund);
      return { ok: true, refundId: refund.refundId };
    },
  };
}

export interface PaymentSimulatorOptions extends SimulatedPaymentOptions, ReplyDeps {
  latencyMs?: number;
}

/** The payment participant backed by the simulated provider. */
export function createPaymentSimulator(options: PaymentSimulatorOptions = {}): PaymentParticipant {
  return createPaymentParticipant({
    provider: createSimulatedPaymentProvider(options),
    latencyMs: options.latencyMs,
    newId: options.newId,
    now: options.now,
  });
}

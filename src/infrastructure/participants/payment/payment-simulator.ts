import { v7 as uuidv7 } from 'uuid';
import { lockingRead, type ParticipantStore, sharedDecisions } from '../ledger.js';
import type { ReplyDeps } from '../replies.js';
import { createPaymentParticipant, type PaymentParticipant } from './payment-participant.js';
import type {
  ChargeRequest,
  ChargeResult,
  PaymentProvider,
  RefundRequest,
  RefundResult,
} from './payment-provider.js';

export interface SimulatedPaymentOptions {
  /** Charges above this amount (minor units) are declined. No limit by default. */
  declineAboveMinor?: number;
  /** Share of charges declined at random, 0..1. Default 0. */
  failureRate?: number;
  /** Source of randomness for `failureRate`, injectable for tests. Default Math.random. */
  random?: () => number;
  newId?: () => string;
}

export interface SimulatedPaymentProvider extends PaymentProvider {
  /** What the provider holds for an order, in minor units: charged minus refunded. */
  balance(orderId: string): Promise<number>;
}

/**
 * A provider that approves or declines by rule, idempotent by order id as a real gateway given the
 * order id as Idempotency-Key: a second charge for an order (a redelivered or repeated command, a
 * restarted process) gets the first one's outcome, approval or decline. Refunds are idempotent by
 * refund id. Everything it did is in its tables (migration 0012), decided and recorded in one transaction.
 */
export function createSimulatedPaymentProvider(
  store: ParticipantStore,
  options: SimulatedPaymentOptions = {},
): SimulatedPaymentProvider {
  const { declineAboveMinor = Number.POSITIVE_INFINITY, failureRate = 0, random = Math.random } = options;
  if (!(failureRate >= 0 && failureRate <= 1)) throw new RangeError('failureRate must be between 0 and 1');
  const newId = options.newId ?? uuidv7;
  const locking = lockingRead(store);
  // Charges that arrive together at saturation share a transaction.
  const decideOnce = sharedDecisions(store);

  return {
    async balance(orderId) {
      const charge = await store.db
        .selectFrom('simulated_card_charges')
        .select(['transaction_id', 'amount_minor'])
        .where('order_id', '=', orderId)
        .executeTakeFirst();
      if (!charge?.transaction_id) return 0;
      const refunded = await store.db
        .selectFrom('simulated_card_refunds')
        .select('amount_minor')
        .where('transaction_id', '=', charge.transaction_id)
        .execute();
      return refunded.reduce(
        (held, refund) => held - Number(refund.amount_minor),
        Number(charge.amount_minor),
      );
    },

    charge(request: ChargeRequest): Promise<ChargeResult> {
      return decideOnce(async (trx, writes) => {
        const known = await locking(
          trx.selectFrom('simulated_card_charges').selectAll().where('order_id', '=', request.orderId),
        ).executeTakeFirst();
        if (known) {
          return known.transaction_id
            ? { ok: true, transactionId: known.transaction_id }
            : { ok: false, reason: known.declined_reason ?? 'card declined' };
        }
        const result: ChargeResult =
          request.amountMinor > declineAboveMinor
            ? { ok: false, reason: 'amount exceeds the card limit' }
            : random() < failureRate
              ? { ok: false, reason: 'card declined' }
              : { ok: true, transactionId: `sim_${newId()}` };
        // Queued, so it takes the COMMIT with it (ledger.ts). A concurrent charge for the same order
        // meets the key, and the decision runs again to find this one.
        writes.insert('simulated_card_charges', [
          {
            order_id: request.orderId,
            transaction_id: result.ok ? result.transactionId : null,
            customer_id: request.customerId,
            amount_minor: request.amountMinor,
            currency: request.currency,
            declined_reason: result.ok ? null : result.reason,
            created_at: Date.now(),
          },
        ]);
        return result;
      });
    },

    refund({ transactionId, refundId, amountMinor, currency }: RefundRequest): Promise<RefundResult> {
      return decideOnce(async (trx, writes) => {
        const charge = await locking(
          trx.selectFrom('simulated_card_charges').selectAll().where('transaction_id', '=', transactionId),
        ).executeTakeFirst();
        if (!charge) return { ok: false, reason: `unknown transaction ${transactionId}` };
        const refunds = await trx
          .selectFrom('simulated_card_refunds')
          .selectAll()
          .where('transaction_id', '=', transactionId)
          .execute();
        // Idempotent per refund, like a gateway given an Idempotency-Key.
        const key = refundId ?? transactionId;
        const known = refunds.find((refund) => refund.refund_key === key);
        if (known) return { ok: true, refundId: known.refund_id };
        const refunded = refunds.reduce((sum, refund) => sum + Number(refund.amount_minor), 0);
        if (currency !== charge.currency || amountMinor > Number(charge.amount_minor) - refunded) {
          return { ok: false, reason: 'refund exceeds what is left of the charge' };
        }
        const refund = { refund_id: `sim_refund_${newId()}`, amount_minor: amountMinor };
        writes.insert('simulated_card_refunds', [
          { transaction_id: transactionId, refund_key: key, ...refund, created_at: Date.now() },
        ]);
        return { ok: true, refundId: refund.refund_id };
      });
    },
  };
}

export interface PaymentSimulatorOptions extends SimulatedPaymentOptions, ReplyDeps {
  latencyMs?: number;
}

/** The payment participant backed by the simulated provider. */
export function createPaymentSimulator(
  store: ParticipantStore,
  options: PaymentSimulatorOptions = {},
): PaymentParticipant {
  return createPaymentParticipant({
    store,
    provider: createSimulatedPaymentProvider(store, options),
    latencyMs: options.latencyMs,
    newId: options.newId,
    now: options.now,
  });
}

/**
 * A payment service provider, chosen by configuration: the simulator is one, a real gateway
 * would be another. The order id is the natural idempotency key a real provider should be given,
 * so that a retried charge is never taken twice.
 */
export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
}

export interface ChargeRequest {
  orderId: string;
  amountMinor: number;
  currency: string;
  customerId: string;
}

/** A decline is an outcome; a provider that cannot be reached throws instead, and is retried. */
export type ChargeResult = { ok: true; transactionId: string } | { ok: false; reason: string };

export interface RefundRequest {
  orderId: string;
  transactionId: string;
  /** One refund of several on a charge; absent for a cancellation's full refund. */
  refundId?: string;
  amountMinor: number;
  currency: string;
}

export type RefundResult = { ok: true; refundId: string } | { ok: false; reason: string };

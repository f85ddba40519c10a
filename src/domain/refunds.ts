export const refundStatuses = ['REQUESTED', 'SUCCEEDED', 'FAILED'] as const;
export type RefundStatus = (typeof refundStatuses)[number];

export interface Refund {
  id: string;
  amountMinor: number;
  reason: string;
  status: RefundStatus;
  requestedAt: Date;
  /** When the payment participant answered; null while REQUESTED. */
  settledAt: Date | null;
}

/** What has come back to the customer: refunds that succeeded. */
export const refundedMinor = (refunds: readonly Refund[]): number =>
  refunds
    .filter((refund) => refund.status === 'SUCCEEDED')
    .reduce((sum, refund) => sum + refund.amountMinor, 0);

/** What is no longer refundable: refunds that succeeded or may still succeed. */
export const claimedMinor = (refunds: readonly Refund[]): number =>
  refunds.filter((refund) => refund.status !== 'FAILED').reduce((sum, refund) => sum + refund.amountMinor, 0);

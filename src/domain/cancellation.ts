import type { Actor } from './order-status.js';

/**
 * Why orders are cancelled, in the five groups analytics report. The saga names its reason
 * (it knows whether stock, payment or a deadline failed); people are grouped by who they are.
 */
export const cancellationCategories = [
  'out_of_stock',
  'payment_declined',
  'timed_out',
  'customer',
  'admin',
] as const;
export type CancellationCategory = (typeof cancellationCategories)[number];

/** The saga's own categories; a person's cancellation is categorised by the actor alone. */
export type SagaCancellation = Extract<
  CancellationCategory,
  'out_of_stock' | 'payment_declined' | 'timed_out'
>;

export function cancellationCategory(actor: Actor, sagaCategory?: SagaCancellation): CancellationCategory {
  if (actor === 'customer') return 'customer';
  if (actor === 'saga') {
    if (!sagaCategory) throw new Error('The saga must say why it cancels an order');
    return sagaCategory;
  }
  return 'admin';
}

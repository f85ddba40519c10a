/**
 * Where an order's stock reservation and payment stand, as data: the saga moves them only through
 * the named moves below, each allowed from the listed states. The order aggregate checks every
 * move against these tables; anything else is an IllegalProgress error.
 */
export const inventoryStatuses = [
  'NOT_STARTED',
  'PENDING',
  'RESERVED',
  'REJECTED',
  'RELEASING',
  'RELEASED',
  'COMMITTING',
  'COMMITTED',
] as const;
export type InventoryStatus = (typeof inventoryStatuses)[number];

export const paymentStatuses = [
  'NOT_STARTED',
  'PENDING',
  'SUCCEEDED',
  'FAILED',
  'REFUNDING',
  'REFUNDED',
] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

interface Move<S extends string> {
  from: readonly S[];
  to: S;
}

export const inventoryMoves = {
  /** `inventory.reserve` is queued. */
  requestReservation: { from: ['NOT_STARTED'], to: 'PENDING' },
  /** The reserve command was withdrawn from the outbox before it left: nothing to undo. */
  withdrawReservation: { from: ['PENDING'], to: 'NOT_STARTED' },
  reserved: { from: ['PENDING'], to: 'RESERVED' },
  rejected: { from: ['PENDING'], to: 'REJECTED' },
  /** `inventory.release` is queued: for a reservation held or one that may still land. */
  requestRelease: { from: ['PENDING', 'RESERVED'], to: 'RELEASING' },
  released: { from: ['RELEASING'], to: 'RELEASED' },
  /** `inventory.commit` is queued: the order shipped. */
  requestCommit: { from: ['RESERVED'], to: 'COMMITTING' },
  committed: { from: ['COMMITTING'], to: 'COMMITTED' },
} as const satisfies Record<string, Move<InventoryStatus>>;
export type InventoryMove = keyof typeof inventoryMoves;

export const paymentMoves = {
  /** `payment.process` is queued. */
  requestPayment: { from: ['NOT_STARTED'], to: 'PENDING' },
  /** The payment command was withdrawn from the outbox before it left: nothing was charged. */
  withdrawPayment: { from: ['PENDING'], to: 'NOT_STARTED' },
  succeeded: { from: ['PENDING'], to: 'SUCCEEDED' },
  failed: { from: ['PENDING'], to: 'FAILED' },
  /** `payment.refund` is queued. */
  requestRefund: { from: ['SUCCEEDED'], to: 'REFUNDING' },
  refunded: { from: ['REFUNDING'], to: 'REFUNDED' },
} as const satisfies Record<string, Move<PaymentStatus>>;
export type PaymentMove = keyof typeof paymentMoves;

export function canMoveInventory(from: InventoryStatus, move: InventoryMove): boolean {
  return (inventoryMoves[move].from as readonly InventoryStatus[]).includes(from);
}

export function canMovePayment(from: PaymentStatus, move: PaymentMove): boolean {
  return (paymentMoves[move].from as readonly PaymentStatus[]).includes(from);
}

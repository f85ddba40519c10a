/**
 * The order lifecycle as data. The domain check, the OpenAPI description (and the README's
 * table, kept in step by hand) and the tests all read this one table.
 */
export const orderStatuses = [
  'PENDING',
  'CONFIRMED',
  'PROCESSING',
  'SHIPPED',
  'DELIVERED',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];

/**
 * Who asks for a change: a `customer` (only for its own orders), `service` (fulfilment),
 * `admin`, or the `saga` (this service's own orchestrator, never an HTTP caller).
 */
export const actors = ['customer', 'service', 'admin', 'saga'] as const;
export type Actor = (typeof actors)[number];

export interface Transition {
  from: OrderStatus;
  to: OrderStatus;
  actors: readonly Actor[];
  note: string;
}

export const transitions: readonly Transition[] = [
  { from: 'PENDING', to: 'CONFIRMED', actors: ['saga'], note: 'stock reserved and payment taken' },
  { from: 'PENDING', to: 'CANCELLED', actors: ['customer', 'admin', 'saga'], note: 'saga compensates' },
  { from: 'CONFIRMED', to: 'PROCESSING', actors: ['service', 'admin'], note: 'fulfilment starts' },
  {
    from: 'CONFIRMED',
    to: 'SHIPPED',
    actors: ['service', 'admin'],
    note: 'ships directly; tracking number required',
  },
  { from: 'CONFIRMED', to: 'CANCELLED', actors: ['customer', 'admin'], note: 'refund + release stock' },
  { from: 'PROCESSING', to: 'SHIPPED', actors: ['service', 'admin'], note: 'tracking number required' },
  { from: 'PROCESSING', to: 'CANCELLED', actors: ['customer', 'admin'], note: 'refund + release stock' },
  { from: 'SHIPPED', to: 'DELIVERED', actors: ['service', 'admin'], note: 'final' },
];

export function findTransition(from: OrderStatus, to: OrderStatus): Transition | undefined {
  return transitions.find((t) => t.from === from && t.to === to);
}

/** Cancelled orders are not sales: they leave revenue, refunds and the product rankings. */
export const countsAsSale = (status: OrderStatus): boolean => status !== 'CANCELLED';

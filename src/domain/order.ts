import { type CancellationCategory, cancellationCategory, type SagaCancellation } from './cancellation.js';
import { Forbidden, IllegalTransition, ValidationError } from './errors.js';
import { multiply, sum } from './money.js';
import type { OrderEvent } from './order-events.js';
import { type Actor, findTransition, type OrderStatus, transitions } from './order-status.js';

export interface ShippingAddress {
  street: string;
  city: string;
  state: string;
  zipCode: string;
}

export interface OrderItem {
  productId: string;
  quantity: number;
  unitPriceMinor: number;
  lineTotalMinor: number;
}

export interface StatusChange {
  status: OrderStatus;
  changedAt: Date;
  reason: string | null;
}

export type PaymentStatus = 'NOT_STARTED' | 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'REFUNDED';
export type InventoryStatus = 'NOT_STARTED' | 'PENDING' | 'RESERVED' | 'REJECTED' | 'RELEASED' | 'COMMITTED';

export interface OrderState {
  id: string;
  customerId: string;
  status: OrderStatus;
  items: OrderItem[];
  shippingAddress: ShippingAddress;
  currency: string;
  totalMinor: number;
  trackingNumber: string | null;
  cancellationReason: string | null;
  /** Set with the cancellation: which of the analytics' reason groups it falls in. */
  cancellationCategory: CancellationCategory | null;
  payment: { status: PaymentStatus; transactionId: string | null };
  inventory: { status: InventoryStatus; reservationId: string | null };
  statusHistory: StatusChange[];
  createdAt: Date;
  updatedAt: Date;
  /** Incremented on every change; the repository writes only if it still matches (optimistic lock). */
  version: number;
}

export interface NewOrder {
  id: string;
  customerId: string;
  items: ReadonlyArray<{ productId: string; quantity: number; unitPriceMinor: number }>;
  shippingAddress: ShippingAddress;
  currency: string;
  now: Date;
}

export interface StatusRequest {
  to: OrderStatus;
  actor: Actor;
  trackingNumber?: string | null;
  reason?: string | null;
  /** Why the saga cancels; people's cancellations are grouped by who they are. */
  category?: SagaCancellation;
  now: Date;
}

/**
 * The order aggregate: the only way to change an order. It checks every change against the
 * transition table and records what happened as events, which the unit of work turns into
 * outbox messages in the same transaction.
 */
export class Order {
  private events: OrderEvent[] = [];

  private constructor(private state: OrderState) {}

  static create(input: NewOrder): Order {
    if (input.items.length === 0) throw new ValidationError('An order needs at least one item');
    const items = input.items.map((item) => ({
      ...item,
      lineTotalMinor: multiply(item.unitPriceMinor, item.quantity),
    }));
    const order = new Order({
      id: input.id,
      customerId: input.customerId,
      status: 'PENDING',
      items,
      shippingAddress: { ...input.shippingAddress },
      currency: input.currency,
      totalMinor: sum(items.map((item) => item.lineTotalMinor)),
      trackingNumber: null,
      cancellationReason: null,
      cancellationCategory: null,
      payment: { status: 'NOT_STARTED', transactionId: null },
      inventory: { status: 'NOT_STARTED', reservationId: null },
      statusHistory: [{ status: 'PENDING', changedAt: input.now, reason: null }],
      createdAt: input.now,
      updatedAt: input.now,
      version: 1,
    });
    order.events.push({ type: 'order.created', orderId: input.id, occurredAt: input.now });
    return order;
  }

  static rehydrate(state: OrderState): Order {
    return new Order(state);
  }

  get id(): string {
    return this.state.id;
  }

  get customerId(): string {
    return this.state.customerId;
  }

  get status(): OrderStatus {
    return this.state.status;
  }

  snapshot(): Readonly<OrderState> {
    return this.state;
  }

  /** Returns and forgets the events recorded since the last call. */
  pullEvents(): OrderEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  /**
   * Moves the order to `request.to`. Repeating the current status with the same data is a
   * no-op that returns false, so retried requests are harmless; a real change returns true.
   */
  changeStatus(request: StatusRequest): boolean {
    const { to, actor } = request;
    const trackingNumber = request.trackingNumber ?? null;
    const reason = request.reason ?? null;
    if (to === this.state.status) {
      // A repeat is harmless only from someone who could have made the change in the first place.
      if (!mayReach(to, actor)) throw refusal(actor, this.state.status, to);
      if (this.repeats(request)) return false;
      throw new IllegalTransition(this.state.status, to, `The order is already ${to} with different details`);
    }
    const transition = findTransition(this.state.status, to);
    if (!transition) throw new IllegalTransition(this.state.status, to);
    if (!transition.actors.includes(actor)) throw refusal(actor, this.state.status, to, transition.actors);
    if (to === 'SHIPPED' && !trackingNumber) {
      throw new ValidationError('A tracking number is required to ship an order', [
        { field: '/trackingNumber', message: 'required when status is SHIPPED' },
      ]);
    }
    const from = this.state.status;
    this.state.status = to;
    if (to === 'SHIPPED') this.state.trackingNumber = trackingNumber;
    if (to === 'CANCELLED') {
      this.state.cancellationReason = reason ?? `cancelled by ${actor}`;
      this.state.cancellationCategory = cancellationCategory(actor, request.category);
    }
    const changeReason = to === 'CANCELLED' ? this.state.cancellationReason : reason;
    this.state.statusHistory.push({ status: to, changedAt: request.now, reason: changeReason });
    this.touch(request.now);
    this.events.push({
      type: 'order.status_changed',
      orderId: this.state.id,
      occurredAt: request.now,
      from,
      to,
      reason: changeReason,
      by: actor,
    });
    return true;
  }

  /** Saga bookkeeping: where the order's stock reservation stands, noted in the history. */
  setInventory(inventory: OrderState['inventory'], note: string, now: Date): void {
    this.state.inventory = { ...inventory };
    this.recordStep(note, now);
  }

  /** Saga bookkeeping: where the order's payment stands, noted in the history. */
  setPayment(payment: OrderState['payment'], note: string, now: Date): void {
    this.state.payment = { ...payment };
    this.recordStep(note, now);
  }

  /** A saga step leaves the status as it is but shows in the history, so every step can be followed. */
  recordStep(note: string, now: Date): void {
    this.state.statusHistory.push({ status: this.state.status, changedAt: now, reason: note });
    this.touch(now);
  }

  private repeats(request: StatusRequest): boolean {
    if (request.to === 'SHIPPED') return (request.trackingNumber ?? null) === this.state.trackingNumber;
    if (request.to === 'CANCELLED' && request.reason) return request.reason === this.state.cancellationReason;
    return true;
  }

  private touch(now: Date): void {
    this.state.updatedAt = now;
    this.state.version += 1;
  }
}

/** PENDING is where every order starts, so restating it needs no authority. */
function mayReach(status: OrderStatus, actor: Actor): boolean {
  return status === 'PENDING' || transitions.some((t) => t.to === status && t.actors.includes(actor));
}

function refusal(actor: Actor, from: OrderStatus, to: OrderStatus, allowed?: readonly Actor[]): Error {
  if (actor === 'customer') return new Forbidden(`A customer cannot move an order from ${from} to ${to}`);
  const who = allowed ?? transitions.filter((t) => t.to === to).flatMap((t) => t.actors);
  return new IllegalTransition(from, to, `Only ${[...new Set(who)].join(', ')} may do this`);
}

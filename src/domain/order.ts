import { Forbidden, IllegalProgress, IllegalTransition, ValidationError } from './errors.js';
import { multiply, sum } from './money.js';
import type { OrderEvent } from './order-events.js';
import {
  canMoveInventory,
  canMovePayment,
  type InventoryMove,
  type InventoryStatus,
  inventoryMoves,
  type PaymentMove,
  type PaymentStatus,
  paymentMoves,
} from './order-progress.js';
import { type Actor, findTransition, type OrderStatus, transitions } from './order-status.js';

export type { InventoryStatus, PaymentStatus } from './order-progress.js';

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

/** One status change: what, when, who, why, and the message that caused it (null for an HTTP call). */
export interface StatusChange {
  status: OrderStatus;
  changedAt: Date;
  changedBy: Actor;
  reason: string | null;
  causationId: string | null;
}

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
  payment: { status: PaymentStatus; transactionId: string | null };
  inventory: { status: InventoryStatus; reservationId: string | null };
  statusHistory: StatusChange[];
  createdAt: Date;
  updatedAt: Date;
  /** One more per committed change; the repository writes only if it still matches (optimistic lock). */
  version: number;
}

export interface NewOrder {
  id: string;
  customerId: string;
  items: ReadonlyArray<{ productId: string; quantity: number; unitPriceMinor: number }>;
  shippingAddress: ShippingAddress;
  currency: string;
  /** Who placed it: the customer itself, or staff on its behalf. */
  createdBy: Actor;
  now: Date;
}

export interface StatusRequest {
  to: OrderStatus;
  actor: Actor;
  trackingNumber?: string | null;
  reason?: string | null;
  /** The message that caused the change, for the history; null or absent for an HTTP call. */
  causationId?: string | null;
  now: Date;
}

/**
 * The order aggregate: the only way to change an order. Status changes are checked against the
 * transition table, stock and payment progress against the progress tables, and an illegal move
 * throws. Status changes are recorded as events, which the unit of work turns into outbox
 * messages in the same transaction.
 *
 * The version counts committed changes, not method calls: the first change after the order was
 * read (or its creation) raises it once, so a new order is version 1 however the saga's first step
 * touches it before the insert.
 */
export class Order {
  private events: OrderEvent[] = [];
  private changed: boolean;

  private constructor(
    private state: OrderState,
    isNew: boolean,
  ) {
    this.changed = isNew;
  }

  static create(input: NewOrder): Order {
    if (input.items.length === 0) throw new ValidationError('An order needs at least one item');
    const items = input.items.map((item) => ({
      ...item,
      lineTotalMinor: multiply(item.unitPriceMinor, item.quantity),
    }));
    const order = new Order(
      {
        id: input.id,
        customerId: input.customerId,
        status: 'PENDING',
        items,
        shippingAddress: { ...input.shippingAddress },
        currency: input.currency,
        totalMinor: sum(items.map((item) => item.lineTotalMinor)),
        trackingNumber: null,
        cancellationReason: null,
        payment: { status: 'NOT_STARTED', transactionId: null },
        inventory: { status: 'NOT_STARTED', reservationId: null },
        statusHistory: [
          {
            status: 'PENDING',
            changedAt: input.now,
            changedBy: input.createdBy,
            reason: null,
            causationId: null,
          },
        ],
        createdAt: input.now,
        updatedAt: input.now,
        version: 1,
      },
      true,
    );
    order.events.push({
      type: 'order.created',
      orderId: input.id,
      occurredAt: input.now,
      by: input.createdBy,
    });
    return order;
  }

  static rehydrate(state: OrderState): Order {
    return new Order(state, false);
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

  get inventory(): Readonly<OrderState['inventory']> {
    return this.state.inventory;
  }

  get payment(): Readonly<OrderState['payment']> {
    return this.state.payment;
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
    if (to === 'CANCELLED') this.state.cancellationReason = reason ?? `cancelled by ${actor}`;
    const changeReason = to === 'CANCELLED' ? this.state.cancellationReason : reason;
    const causationId = request.causationId ?? null;
    this.state.statusHistory.push({
      status: to,
      changedAt: request.now,
      changedBy: actor,
      reason: changeReason,
      causationId,
    });
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

  /** The saga queued `inventory.reserve`. */
  requestReservation(now: Date): void {
    this.moveInventory('requestReservation', now);
  }

  /** The queued reserve command never left the outbox and was deleted. */
  withdrawReservation(now: Date): void {
    this.moveInventory('withdrawReservation', now);
  }

  recordReservation(reservationId: string, now: Date): void {
    this.moveInventory('reserved', now, reservationId);
  }

  recordStockRejection(now: Date): void {
    this.moveInventory('rejected', now);
  }

  /** The saga queued `inventory.release`, for a reservation held or one still on its way. */
  requestRelease(now: Date): void {
    this.moveInventory('requestRelease', now);
  }

  recordRelease(now: Date): void {
    this.moveInventory('released', now);
  }

  /** The saga queued `inventory.commit`: the order shipped. */
  requestCommit(now: Date): void {
    this.moveInventory('requestCommit', now);
  }

  recordCommit(now: Date): void {
    this.moveInventory('committed', now);
  }

  /** The saga queued `payment.process`. */
  requestPayment(now: Date): void {
    this.movePayment('requestPayment', now);
  }

  /** The queued payment command never left the outbox and was deleted. */
  withdrawPayment(now: Date): void {
    this.movePayment('withdrawPayment', now);
  }

  recordPayment(transactionId: string, now: Date): void {
    this.movePayment('succeeded', now, transactionId);
  }

  recordPaymentFailure(now: Date): void {
    this.movePayment('failed', now);
  }

  /** The saga queued `payment.refund` for the order's charge. */
  requestRefund(now: Date): void {
    this.movePayment('requestRefund', now);
  }

  recordRefund(now: Date): void {
    this.movePayment('refunded', now);
  }

  private moveInventory(move: InventoryMove, now: Date, reservationId?: string): void {
    const from = this.state.inventory.status;
    if (!canMoveInventory(from, move)) throw new IllegalProgress('inventory', from, move);
    this.state.inventory = {
      status: inventoryMoves[move].to,
      reservationId: reservationId ?? this.state.inventory.reservationId,
    };
    this.touch(now);
  }

  private movePayment(move: PaymentMove, now: Date, transactionId?: string): void {
    const from = this.state.payment.status;
    if (!canMovePayment(from, move)) throw new IllegalProgress('payment', from, move);
    this.state.payment = {
      status: paymentMoves[move].to,
      transactionId: transactionId ?? this.state.payment.transactionId,
    };
    this.touch(now);
  }

  private repeats(request: StatusRequest): boolean {
    if (request.to === 'SHIPPED') return (request.trackingNumber ?? null) === this.state.trackingNumber;
    if (request.to === 'CANCELLED' && request.reason) return request.reason === this.state.cancellationReason;
    return true;
  }

  private touch(now: Date): void {
    this.state.updatedAt = now;
    if (this.changed) return;
    this.changed = true;
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

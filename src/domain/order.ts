import { type CancellationCategory, cancellationCategory, type SagaCancellation } from './cancellation.js';
import { Forbidden, IllegalProgress, IllegalTransition, OverRefund, ValidationError } from './errors.js';
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
import { claimedMinor, type Refund } from './refunds.js';
import {
  checkShipment,
  type Shipment,
  type ShipmentLine,
  unitsByProduct as unitsOf,
  unshipped,
} from './shipments.js';

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
  /** Set with the cancellation: which of the analytics' reason groups it falls in. */
  cancellationCategory: CancellationCategory | null;
  payment: { status: PaymentStatus; transactionId: string | null };
  inventory: { status: InventoryStatus; reservationId: string | null };
  statusHistory: StatusChange[];
  /** What left the warehouse, oldest first; the last one that completes the order ships it. */
  shipments: Shipment[];
  /** Money given back after the payment was captured, oldest first. */
  refunds: Refund[];
  /** Units cancelled after part of the order shipped: they will never ship. */
  cancelledItems: ShipmentLine[];
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
  /** Why the saga cancels; people's cancellations are grouped by who they are. */
  category?: SagaCancellation;
  /** Names the shipment that SHIPPED creates for whatever has not shipped yet. */
  shipmentId?: string;
  /** Names the refund that cancelling a partly shipped, paid order creates. */
  refundId?: string;
  /** The message that caused the change, for the history; null or absent for an HTTP call. */
  causationId?: string | null;
  now: Date;
}

export interface ShipmentRequest {
  shipmentId: string;
  items: readonly ShipmentLine[];
  trackingNumber: string;
  carrier?: string | null;
  actor: Actor;
  now: Date;
}

export interface RefundRequest {
  refundId: string;
  amountMinor: number;
  reason: string;
  actor: Actor;
  now: Date;
}

/** Shipping and refunding are fulfilment's and the back office's, never the customer's. */
const staff: readonly Actor[] = ['service', 'admin'];

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
        cancellationCategory: null,
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
        shipments: [],
        refunds: [],
        cancelledItems: [],
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
    if (to === 'CANCELLED' && this.state.shipments.length > 0) return this.cancelUnshipped(request);
    if (to === 'SHIPPED' && !trackingNumber) {
      throw new ValidationError('A tracking number is required to ship an order', [
        { field: '/trackingNumber', message: 'required when status is SHIPPED' },
      ]);
    }
    // SHIPPED by status ships everything that has not shipped yet, in one shipment.
    const left = this.unshippedLines();
    if (to === 'SHIPPED' && left.length > 0) {
      const shipmentId = request.shipmentId ?? `${this.state.id}-${this.state.shipments.length + 1}`;
      this.addShipment(shipmentId, left, trackingNumber as string, null, request.now);
    }
    const from = this.state.status;
    this.state.status = to;
    if (to === 'SHIPPED') this.state.trackingNumber = trackingNumber;
    if (to === 'CANCELLED') {
      this.state.cancellationReason = reason ?? `cancelled by ${actor}`;
      this.state.cancellationCategory = cancellationCategory(actor, request.category);
    }
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

  /**
   * Ships part of a confirmed order. Every line must be ordered and not yet shipped; the
   * shipment that leaves nothing to ship moves the order to SHIPPED.
   */
  ship(request: ShipmentRequest): Shipment {
    if (!staff.includes(request.actor)) throw new Forbidden('Only fulfilment or an admin ships orders');
    if (this.state.status !== 'CONFIRMED' && this.state.status !== 'PROCESSING') {
      throw new IllegalTransition(this.state.status, 'SHIPPED', `A ${this.state.status} order cannot ship`);
    }
    const lines = checkShipment(
      request.items,
      unshipped(this.state.items, this.state.shipments, this.state.cancelledItems),
    );
    const shipment = this.addShipment(
      request.shipmentId,
      lines,
      request.trackingNumber,
      request.carrier ?? null,
      request.now,
    );
    if (this.unshippedLines().length === 0) {
      this.changeStatus({
        to: 'SHIPPED',
        actor: request.actor,
        trackingNumber: request.trackingNumber,
        reason: `last shipment ${request.shipmentId}`,
        now: request.now,
      });
    }
    return shipment;
  }

  /**
   * The inventory participant committed a shipment's units of the reservation (also after the
   * commit was given up as COMMIT_FAILED: a late reply is still the truth about the stock).
   */
  recordStockCommitted(shipmentId: string, now: Date): boolean {
    const shipment = this.state.shipments.find((candidate) => candidate.id === shipmentId);
    if (!shipment || shipment.stock === 'COMMITTED') return false;
    shipment.stock = 'COMMITTED';
    // The reservation as a whole is committed once every unit has shipped and been committed.
    const allCommitted = this.state.shipments.every((candidate) => candidate.stock === 'COMMITTED');
    if (allCommitted && this.unshippedLines().length === 0 && this.state.inventory.status === 'COMMITTING') {
      this.recordCommit(now);
    } else {
      this.touch(now);
    }
    return true;
  }

  /**
   * No reply came to any attempt at committing the shipment's units: the goods left, but the
   * inventory participant may still count them as reserved. Only a commit still waiting fails.
   */
  recordStockCommitFailed(shipmentId: string, now: Date): boolean {
    const shipment = this.state.shipments.find((candidate) => candidate.id === shipmentId);
    if (shipment?.stock !== 'REQUESTED') return false;
    shipment.stock = 'COMMIT_FAILED';
    this.touch(now);
    return true;
  }

  /** What the lines cost at this order's prices; each product must be ordered, in at most its quantity. */
  priceOf(lines: readonly ShipmentLine[]): number {
    let total = 0;
    for (const [productId, quantity] of unitsOf(lines)) {
      const ordered = this.state.items.filter((item) => item.productId === productId);
      const units = ordered.reduce((sum, item) => sum + item.quantity, 0);
      if (ordered.length === 0 || quantity > units) {
        throw new OverRefund(`Cannot refund ${quantity} of ${productId}: ${units} ordered`);
      }
      // Lines of one product at different prices are refunded from the first line on.
      let left = quantity;
      for (const item of ordered) {
        const take = Math.min(left, item.quantity);
        total += multiply(item.unitPriceMinor, take);
        left -= take;
      }
    }
    return total;
  }

  /**
   * Asks for money back. Only a captured payment can be refunded, and never more than was
   * captured minus the refunds that succeeded or are still under way.
   */
  refund(request: RefundRequest): Refund {
    if (!staff.includes(request.actor)) throw new Forbidden('Only the back office refunds orders');
    if (!Number.isSafeInteger(request.amountMinor) || request.amountMinor <= 0) {
      throw new ValidationError('A refund needs a positive amount', [
        { field: '/amount', message: 'must be greater than 0' },
      ]);
    }
    const captured = this.state.payment.status === 'SUCCEEDED' ? this.state.totalMinor : 0;
    const refundable = captured - claimedMinor(this.state.refunds);
    if (request.amountMinor > refundable) {
      throw new OverRefund(
        `At most ${refundable} minor units can be refunded (captured ${captured}, already refunded or under way ${claimedMinor(this.state.refunds)})`,
      );
    }
    const refund: Refund = {
      id: request.refundId,
      amountMinor: request.amountMinor,
      reason: request.reason,
      status: 'REQUESTED',
      requestedAt: request.now,
      settledAt: null,
    };
    this.state.refunds.push(refund);
    this.touch(request.now);
    this.events.push({
      type: 'order.refund_requested',
      orderId: this.state.id,
      occurredAt: request.now,
      refund,
    });
    return refund;
  }

  /** The payment participant's answer to a refund; a repeated answer changes nothing. */
  settleRefund(refundId: string, outcome: 'SUCCEEDED' | 'FAILED', now: Date): boolean {
    const refund = this.state.refunds.find((candidate) => candidate.id === refundId);
    if (refund?.status !== 'REQUESTED') return false;
    refund.status = outcome;
    refund.settledAt = now;
    this.touch(now);
    this.events.push({ type: 'order.refund_settled', orderId: this.state.id, occurredAt: now, refund });
    return true;
  }

  /**
   * What shipped cannot be cancelled: cancelling a partly shipped order cancels the units not
   * shipped (their stock is released), refunds their price if the payment was captured, and
   * leaves the order SHIPPED with what did ship.
   */
  private cancelUnshipped(request: StatusRequest): boolean {
    const left = this.unshippedLines();
    const reason = request.reason ?? `cancelled by ${request.actor}`;
    const { id, payment, refunds, totalMinor } = this.state;
    this.state.cancelledItems.push(...left);
    this.events.push({
      type: 'order.remainder_cancelled',
      orderId: id,
      occurredAt: request.now,
      items: left,
      reason,
    });
    const amountMinor = Math.min(this.priceOf(left), totalMinor - claimedMinor(refunds));
    if (payment.status === 'SUCCEEDED' && amountMinor > 0) {
      const refund: Refund = {
        id: request.refundId ?? `${id}-r${refunds.length + 1}`,
        amountMinor,
        reason: `unshipped part cancelled: ${reason}`,
        status: 'REQUESTED',
        requestedAt: request.now,
        settledAt: null,
      };
      refunds.push(refund);
      this.events.push({ type: 'order.refund_requested', orderId: id, occurredAt: request.now, refund });
    }
    const from = this.state.status;
    this.state.status = 'SHIPPED';
    this.state.trackingNumber = this.state.shipments.at(-1)?.trackingNumber ?? null;
    const note = `unshipped part cancelled: ${reason}`;
    this.state.statusHistory.push({
      status: 'SHIPPED',
      changedAt: request.now,
      changedBy: request.actor,
      reason: note,
      causationId: request.causationId ?? null,
    });
    this.touch(request.now);
    this.events.push({
      type: 'order.status_changed',
      orderId: id,
      occurredAt: request.now,
      from,
      to: 'SHIPPED',
      reason: note,
      by: request.actor,
    });
    return true;
  }

  private unshippedLines(): ShipmentLine[] {
    return [...unshipped(this.state.items, this.state.shipments, this.state.cancelledItems)].map(
      ([productId, quantity]) => ({
        productId,
        quantity,
      }),
    );
  }

  private addShipment(
    id: string,
    items: ShipmentLine[],
    trackingNumber: string,
    carrier: string | null,
    now: Date,
  ): Shipment {
    const shipment: Shipment = { id, items, trackingNumber, carrier, shippedAt: now, stock: 'REQUESTED' };
    // The first shipment starts committing the reservation; the last commit finishes it.
    if (this.state.inventory.status === 'RESERVED') this.requestCommit(now);
    this.state.shipments.push(shipment);
    this.touch(now);
    this.events.push({ type: 'order.shipment_created', orderId: this.state.id, occurredAt: now, shipment });
    return shipment;
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

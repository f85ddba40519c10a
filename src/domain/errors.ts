/**
 * Expected failures, as types. The API maps each kind to one HTTP status in one place
 * (src/api/plugins/errors.ts); nothing below the API knows about HTTP.
 */
export abstract class DomainError extends Error {
  abstract readonly kind:
    | 'validation'
    | 'not_found'
    | 'illegal_transition'
    | 'forbidden'
    | 'idempotency_conflict'
    | 'concurrency_conflict'
    | 'conflict'
    | 'over_shipment'
    | 'over_refund';

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldError {
  /** JSON pointer of the offending field, e.g. `/items/0/price`. */
  field: string;
  message: string;
}

export class ValidationError extends DomainError {
  readonly kind = 'validation';
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

export class OrderNotFound extends DomainError {
  readonly kind = 'not_found';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} was not found`);
  }
}

export class IllegalTransition extends DomainError {
  readonly kind = 'illegal_transition';
  constructor(
    readonly from: string,
    readonly to: string,
    reason?: string,
  ) {
    super(reason ?? `An order cannot move from ${from} to ${to}`);
  }
}

/** The saga asked for a stock or payment move its current state does not allow: a bug, never a silent no-op. */
export class IllegalProgress extends DomainError {
  readonly kind = 'illegal_transition';
  constructor(
    readonly part: 'inventory' | 'payment',
    readonly from: string,
    readonly move: string,
  ) {
    super(`The order's ${part} cannot ${move} from ${from}`);
  }
}

export class Forbidden extends DomainError {
  readonly kind = 'forbidden';
}

export class IdempotencyConflict extends DomainError {
  readonly kind = 'idempotency_conflict';
  constructor() {
    super('This Idempotency-Key was already used with a different request body');
  }
}

/** Another writer changed the order between our read and our write (optimistic lock). */
export class ConcurrencyConflict extends DomainError {
  readonly kind = 'concurrency_conflict';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} was changed concurrently; retry the request`);
  }
}

/** Something other than an order that the caller named does not exist. */
export class NotFound extends DomainError {
  readonly kind = 'not_found';
}

/** The request is valid but the resource's current state refuses it (e.g. a second replay). */
export class Conflict extends DomainError {
  readonly kind = 'conflict';
}

/** More of a product shipped than was ordered and not yet shipped. */
export class OverShipment extends DomainError {
  readonly kind = 'over_shipment';
}

/** More refunded than was captured minus what is already refunded or being refunded. */
export class OverRefund extends DomainError {
  readonly kind = 'over_refund';
}

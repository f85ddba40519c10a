import { Forbidden, OrderNotFound, ValidationError } from '../../domain/errors.js';
import { toMinorUnits } from '../../domain/money.js';
import { actorOf, isStaff, type Principal } from '../access.js';
import { type RefundView, toRefundView } from '../order-view.js';
import type { Clock, IdGenerator, UnitOfWork } from '../ports.js';
import { idempotent } from './idempotent.js';

export interface RefundBody {
  /** Decimal in the order's currency; or name `items` and their prices are refunded. */
  amount?: number;
  items?: ReadonlyArray<{ productId: string; quantity: number }>;
  reason: string;
}

/**
 * Asks the payment participant to give money back: the aggregate checks the amount against
 * what was captured and not yet refunded, and its `order.refund_requested` event puts the
 * `payment.refund` command in the outbox in the same transaction. The reply settles it.
 */
export function refundOrderHandler(deps: { uow: UnitOfWork; clock: Clock; newId: IdGenerator }) {
  return async function refundOrder(
    principal: Principal,
    orderId: string,
    body: RefundBody,
    idempotencyKey?: string,
  ) {
    // A role check, before any lookup: it tells a customer nothing about the order.
    if (!isStaff(principal)) throw new Forbidden('Only the back office refunds orders');
    if ((body.amount === undefined) === (body.items === undefined)) {
      throw new ValidationError('Give either an amount or items to refund', [
        { field: '/amount', message: 'exactly one of amount and items is required' },
      ]);
    }
    const canonical = () => ({
      orderId,
      amount: body.amount ?? null,
      items: body.items ?? null,
      reason: body.reason,
    });
    return idempotent<RefundView>(
      deps.uow,
      { scope: `refunds/${orderId}`, key: idempotencyKey, canonical, statusCode: 202 },
      (remember) =>
        deps.uow.run(async (tx) => {
          const order = await tx.orders.findByIdForUpdate(orderId);
          if (!order) throw new OrderNotFound(orderId);
          const { currency } = order.snapshot();
          const amountMinor = body.items
            ? order.priceOf(body.items)
            : toMinorUnits(body.amount as number, currency);
          const refund = order.refund({
            refundId: deps.newId(),
            amountMinor,
            reason: body.reason,
            actor: actorOf(principal),
            now: deps.clock(),
          });
          await tx.orders.update(order);
          const view = toRefundView(refund, currency);
          remember(tx, orderId, () => view);
          return view;
        }),
    );
  };
}

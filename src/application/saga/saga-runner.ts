import type { Envelope } from '../messages.js';
import type { Clock, UnitOfWork } from '../ports.js';
import { isReply, type PlaceOrderSaga, type ReplyOutcome } from './place-order-saga.js';

export class UnknownReply extends Error {
  constructor(type: string) {
    super(`Not a reply this service understands: ${type}`);
    this.name = 'UnknownReply';
  }
}

/**
 * The saga's two entry points from the outside world, each one transaction: a participant's
 * reply (deduplicated by messageId in the inbox, in the same transaction as its effect) and the
 * timeout sweep.
 */
export function sagaRunner(deps: { uow: UnitOfWork; saga: PlaceOrderSaga; clock: Clock }) {
  return {
    handleReply(envelope: Envelope): Promise<ReplyOutcome | 'duplicate'> {
      if (!isReply(envelope)) throw new UnknownReply(envelope.type);
      return deps.uow.run(
        async (tx) => {
          if (!(await tx.inbox.markProcessed(envelope.messageId, envelope.type))) return 'duplicate';
          const order = await tx.orders.findByIdForUpdate(envelope.correlationId);
          if (!order) return 'unknown-order';
          return deps.saga.applyReply(tx, order, envelope);
        },
        { causationId: envelope.messageId },
      );
    },

    /** Compensates sagas whose step deadline passed; returns how many it handled. */
    sweepTimeouts(limit: number): Promise<number> {
      return deps.uow.run(async (tx) => {
        let handled = 0;
        for (const orderId of await tx.sagas.claimTimedOut(deps.clock(), limit)) {
          const order = await tx.orders.findByIdForUpdate(orderId);
          if (order && (await deps.saga.applyTimeout(tx, order))) handled += 1;
        }
        return handled;
      });
    },
  };
}

export type SagaRunner = ReturnType<typeof sagaRunner>;

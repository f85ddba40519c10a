import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { refundOrderHandler } from '../../application/commands/refund-order.js';
import type { shipOrderHandler } from '../../application/commands/ship-order.js';
import { RefundBody, RefundSchema, ShipmentBody, ShipmentSchema } from '../fulfilment-schemas.js';
import { problemResponses, withHeaders } from '../openapi-responses.js';
import { OrderIdParams } from '../schemas.js';
import { IdempotencyHeaders } from './orders.js';

export interface FulfilmentRoutesOptions {
  shipOrder: ReturnType<typeof shipOrderHandler>;
  refundOrder: ReturnType<typeof refundOrderHandler>;
}

/** After confirmation: shipments and refunds. Translate, call the use case, shape the reply. */
export const fulfilmentRoutes: FastifyPluginAsyncTypebox<FulfilmentRoutesOptions> = async (app, handlers) => {
  app.post(
    '/orders/:orderId/shipments',
    {
      schema: {
        tags: ['orders'],
        summary: 'Ship part of an order',
        description:
          'Service and admin only. Records a shipment of units ordered and not yet shipped (409 for ' +
          'more, nothing stored); the shipment that leaves nothing to ship moves the order to SHIPPED. ' +
          'Each shipment commits its units of the stock reservation (`inventory.commit`) and emits ' +
          '`order.shipment_created`. Send an Idempotency-Key to retry safely: a repeat gets the first ' +
          'shipment back instead of shipping what is left.',
        headers: IdempotencyHeaders,
        params: OrderIdParams,
        body: ShipmentBody,
        response: {
          201: withHeaders(Type.Ref(ShipmentSchema), 'IdempotentReplayed'),
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const { result, replayed } = await handlers.shipOrder(
        request.principal,
        request.params.orderId,
        request.body,
        request.headers['idempotency-key'],
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/orders/:orderId/refunds',
    {
      schema: {
        tags: ['orders'],
        summary: 'Refund part of an order',
        description:
          'Admin and service only. Give `amount` (decimal, order currency) or `items` (refunded at their ' +
          'ordered prices). At most what was captured minus refunds that succeeded or are under way ' +
          '(409 for more, nothing stored). Answers 202 with the refund REQUESTED; the payment ' +
          'service’s reply makes it SUCCEEDED or FAILED. Send an Idempotency-Key to retry safely.',
        headers: IdempotencyHeaders,
        params: OrderIdParams,
        body: RefundBody,
        response: {
          202: withHeaders(Type.Ref(RefundSchema), 'IdempotentReplayed'),
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const { result, replayed } = await handlers.refundOrder(
        request.principal,
        request.params.orderId,
        request.body,
        request.headers['idempotency-key'],
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(202).send(result);
    },
  );
};

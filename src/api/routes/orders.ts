import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { changeOrderStatusHandler } from '../../application/commands/change-order-status.js';
import type { idempotentCreateOrder } from '../../application/commands/idempotent-create-order.js';
import type { getOrderHandler } from '../../application/queries/get-order.js';
import type { getOrderTimelineHandler } from '../../application/queries/get-order-timeline.js';
import type { orderHistoryHandler } from '../../application/queries/order-history.js';
import { HistoryQuery } from '../query-schemas.js';
import {
  ChangeStatusBody,
  CreateOrderBody,
  CustomerIdParams,
  limits,
  OrderIdParams,
  OrderPageSchema,
  OrderSchema,
  problemResponses,
  TimelineSchema,
} from '../schemas.js';

export interface OrderRoutesOptions {
  createOrder: ReturnType<typeof idempotentCreateOrder>;
  changeOrderStatus: ReturnType<typeof changeOrderStatusHandler>;
  getOrder: ReturnType<typeof getOrderHandler>;
  orderHistory: ReturnType<typeof orderHistoryHandler>;
  orderTimeline: ReturnType<typeof getOrderTimelineHandler>;
}

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: limits.idempotencyKeyLength,
      pattern: '^[\\x21-\\x7E]+$',
      description:
        'Repeat a POST safely: the same key and body replay the first answer without a second order.',
    }),
  ),
});

/** Translate, call the use case, shape the reply: nothing else happens here. */
export const orderRoutes: FastifyPluginAsyncTypebox<OrderRoutesOptions> = async (app, handlers) => {
  app.post(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Place an order',
        description:
          'Stores the order as PENDING and starts the place-order saga (reserve stock, take payment). ' +
          'Totals are computed by the service. Send an Idempotency-Key to retry safely.',
        headers: IdempotencyHeaders,
        body: CreateOrderBody,
        response: { 201: Type.Ref(OrderSchema), ...problemResponses(400, 401, 403, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const { order, replayed } = await handlers.createOrder(
        request.principal,
        request.body,
        request.headers['idempotency-key'],
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).header('location', `/api/orders/${order.id}`).send(order);
    },
  );

  app.get(
    '/orders/:orderId',
    {
      schema: {
        tags: ['orders'],
        summary: 'Get an order',
        params: OrderIdParams,
        response: { 200: Type.Ref(OrderSchema), ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => handlers.getOrder(request.principal, request.params.orderId),
  );

  app.get(
    '/orders/:orderId/timeline',
    {
      schema: {
        tags: ['orders'],
        summary: 'The saga’s progress for an order',
        description:
          'Commands sent to inventory and payment, their replies, timeouts and compensations, oldest ' +
          'first. The order’s owner and staff only; anyone else gets 404.',
        params: OrderIdParams,
        response: { 200: Type.Ref(TimelineSchema), ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => handlers.orderTimeline(request.principal, request.params.orderId),
  );

  app.put(
    '/orders/:orderId/status',
    {
      schema: {
        tags: ['orders'],
        summary: 'Change an order’s status',
        description:
          'Moves the order along its lifecycle. 409 for a transition the state machine forbids; ' +
          'SHIPPED needs a trackingNumber; repeating the current status with the same data is a harmless 200.',
        params: OrderIdParams,
        body: ChangeStatusBody,
        response: { 200: Type.Ref(OrderSchema), ...problemResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => handlers.changeOrderStatus(request.principal, request.params.orderId, request.body),
  );

  app.get(
    '/orders/history/:customerId',
    {
      schema: {
        tags: ['orders'],
        summary: 'A customer’s orders, newest first',
        description: 'Page by `page` number, or by `cursor` (the previous page’s `nextCursor`) at any depth.',
        params: CustomerIdParams,
        querystring: HistoryQuery,
        response: { 200: Type.Ref(OrderPageSchema), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => handlers.orderHistory(request.principal, request.params.customerId, request.query),
  );
};

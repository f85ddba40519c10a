import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { changeOrderStatusHandler } from '../../application/commands/change-order-status.js';
import type { idempotentCreateOrder } from '../../application/commands/idempotent-create-order.js';
import type { getOrderHandler } from '../../application/queries/get-order.js';
import type { getOrderTimelineHandler } from '../../application/queries/get-order-timeline.js';
import type { orderHistoryHandler } from '../../application/queries/order-history.js';
import { problemResponses, withHeaders } from '../openapi-responses.js';
import { HistoryQuery, type HistoryQueryValue } from '../query-schemas.js';
import {
  ChangeStatusBody,
  CreateOrderBody,
  CustomerIdParams,
  limits,
  OrderIdParams,
  OrderPageSchema,
  OrderSchema,
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
        'Repeat a POST safely: the same key and body replay the first answer, and nothing is done twice.',
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
        operationId: 'createOrder',
        summary: 'Place an order',
        description:
          'Stores the order as PENDING and starts the place-order saga (reserve stock, take payment). ' +
          'Totals are computed by the service. Send an Idempotency-Key to retry safely.',
        headers: IdempotencyHeaders,
        body: CreateOrderBody,
        response: {
          201: withHeaders(Type.Ref(OrderSchema), 'Location', 'IdempotentReplayed'),
          ...problemResponses(403, 422),
        },
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
        operationId: 'getOrder',
        summary: 'Get an order',
        description: 'The order with its items, totals, payment and inventory state and status history.',
        params: OrderIdParams,
        response: { 200: Type.Ref(OrderSchema), ...problemResponses(404) },
      },
    },
    // The stored document is the response: Fastify sends a JSON string as is, without the
    // schema's serializer (the schema still documents it), hence the cast from text.
    async (request, reply) => {
      const json = await handlers.getOrder(request.principal, request.params.orderId);
      return reply
        .type('application/json; charset=utf-8')
        .send(json as unknown as Static<typeof OrderSchema>);
    },
  );

  app.get(
    '/orders/:orderId/timeline',
    {
      schema: {
        tags: ['orders'],
        operationId: 'getOrderTimeline',
        summary: 'The saga’s progress for an order',
        description:
          'Commands sent to inventory and payment, their replies, timeouts and compensations, oldest ' +
          'first. The order’s owner and staff only; anyone else gets 404.',
        params: OrderIdParams,
        response: { 200: Type.Ref(TimelineSchema), ...problemResponses(404) },
      },
    },
    async (request) => handlers.orderTimeline(request.principal, request.params.orderId),
  );

  app.put(
    '/orders/:orderId/status',
    {
      schema: {
        tags: ['orders'],
        operationId: 'changeOrderStatus',
        summary: 'Change an order’s status',
        description:
          'Moves the order along its lifecycle. 409 for a transition the state machine forbids; ' +
          'SHIPPED needs a trackingNumber; repeating the current status with the same data is a harmless 200.',
        params: OrderIdParams,
        body: ChangeStatusBody,
        response: { 200: Type.Ref(OrderSchema), ...problemResponses(403, 404, 409) },
      },
    },
    async (request) => handlers.changeOrderStatus(request.principal, request.params.orderId, request.body),
  );

  // The brief's `/orders/history/{customerId}` keeps working, but the document names the history
  // `/customers/{customerId}/orders`: beside `/orders/{orderId}/status` the brief's path is
  // ambiguous (`/orders/history/status` matches both), which OpenAPI tools rightly flag.
  for (const [url, documented] of [
    ['/customers/:customerId/orders', true],
    ['/orders/history/:customerId', false],
  ] as const) {
    app.get(
      url,
      {
        config: documented ? {} : { documentedAs: 'getOrderHistory' },
        schema: {
          hide: !documented,
          tags: ['orders'],
          ...(documented && { operationId: 'getOrderHistory' }),
          summary: 'A customer’s orders, newest first',
          description:
            'Page by `page` number, or by `cursor` (the previous page’s `nextCursor`) at any depth. ' +
            'Also served at `/api/orders/history/{customerId}`, the path of the original brief.',
          params: CustomerIdParams,
          querystring: HistoryQuery,
          response: { 200: Type.Ref(OrderPageSchema), ...problemResponses(403) },
        },
      },
      // ajv has filled in the defaults of `page` and `limit`.
      async (request) =>
        handlers.orderHistory(
          request.principal,
          request.params.customerId,
          request.query as HistoryQueryValue,
        ),
    );
  }
};

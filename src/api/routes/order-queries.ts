import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { orderAnalyticsHandlers } from '../../application/queries/order-analytics.js';
import type { searchOrdersHandler } from '../../application/queries/search-orders.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { problemResponses } from '../openapi-responses.js';
import {
  SearchPageSchema,
  SearchQuery,
  type SearchQueryValue,
  SummaryQuery,
  SummarySchema,
  TimeseriesQuery,
  type TimeseriesQueryValue,
  TimeseriesSchema,
  TopProductsQuery,
  type TopProductsQueryValue,
  TopProductsSchema,
} from '../query-schemas.js';

export interface OrderQueryRoutesOptions {
  searchOrders: ReturnType<typeof searchOrdersHandler>;
  analytics: ReturnType<typeof orderAnalyticsHandlers>;
}

/** `status=A,B` and `status=A&status=B` mean the same. */
const statusesOf = (status: string | string[] | undefined): OrderStatus[] | undefined =>
  status === undefined ? undefined : ([status].flat().flatMap((list) => list.split(',')) as OrderStatus[]);

/** The read side (CQRS): search and analytics, answered from the read model. */
export const orderQueryRoutes: FastifyPluginAsyncTypebox<OrderQueryRoutesOptions> = async (app, handlers) => {
  app.get(
    '/orders/search',
    {
      schema: {
        tags: ['orders'],
        operationId: 'searchOrders',
        summary: 'Search orders',
        description:
          'Every filter narrows the result. Staff see every order; a customer only its own. ' +
          'Page with `page` (shallow) or `cursor` (any depth). No total count: see docs/read-model.md.',
        querystring: SearchQuery,
        response: { 200: SearchPageSchema, ...problemResponses(403) },
      },
    },
    async (request) => {
      // ajv has filled in the defaults (page, limit, sort, order).
      const { status, ...rest } = request.query as SearchQueryValue;
      return handlers.searchOrders(request.principal, { ...rest, statuses: statusesOf(status) });
    },
  );

  app.get(
    '/orders/analytics/summary',
    {
      schema: {
        tags: ['analytics'],
        operationId: 'getOrderSummary',
        summary: 'Order count, revenue, average order value and cancellations in a window',
        description: 'Admin and service only. The window is widened to whole UTC hours.',
        querystring: SummaryQuery,
        response: { 200: SummarySchema, ...problemResponses(403) },
      },
    },
    async (request) => handlers.analytics.summary(request.principal, request.query),
  );

  app.get(
    '/orders/analytics/timeseries',
    {
      schema: {
        tags: ['analytics'],
        operationId: 'getOrderTimeseries',
        summary: 'Orders and revenue per hour, day or week (UTC), empty buckets included',
        description: 'Admin and service only. At most 10,000 buckets per request.',
        querystring: TimeseriesQuery,
        response: { 200: TimeseriesSchema, ...problemResponses(403) },
      },
    },
    async (request) =>
      handlers.analytics.timeseries(request.principal, request.query as TimeseriesQueryValue),
  );

  app.get(
    '/orders/analytics/top-products',
    {
      schema: {
        tags: ['analytics'],
        operationId: 'getTopProducts',
        summary: 'Best-selling products by quantity and by revenue',
        description:
          'Admin and service only. Cancelled orders are excluded; the window is widened to whole UTC days.',
        querystring: TopProductsQuery,
        response: { 200: TopProductsSchema, ...problemResponses(403) },
      },
    },
    async (request) =>
      handlers.analytics.topProducts(request.principal, request.query as TopProductsQueryValue),
  );
};

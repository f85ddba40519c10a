import { type Static, Type } from '@sinclair/typebox';
import { cancellationCategories } from '../domain/cancellation.js';
import { fulfilmentStates } from '../domain/fulfilment.js';
import { supportedCurrencies } from '../domain/money.js';
import { orderStatuses } from '../domain/order-status.js';
import { identifier, limits, OrderSchema } from './schemas.js';

/** Query strings and replies of the read side: history, search and analytics. */

/**
 * A parameter with a default is optional for the caller (OpenAPI must not call it required);
 * ajv's `useDefaults` fills it in, so the handler always sees a value.
 */
type WithDefaults<Query, Defaulted extends keyof Query> = Omit<Query, Defaulted> &
  Required<Pick<Query, Defaulted>>;

const cursor = Type.String({
  minLength: 1,
  maxLength: 512,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'The `nextCursor` of the previous page; keeps paging fast at any depth',
});

const limit = Type.Optional(Type.Integer({ minimum: 1, maximum: limits.maxPageSize, default: 10 }));

const instant = (description: string) => Type.String({ format: 'date-time', description });

const currency = Type.Union(
  supportedCurrencies.map((code) => Type.Literal(code)),
  { description: 'ISO 4217 code' },
);

const statusList = `(${orderStatuses.join('|')})`;
const statuses = Type.String({
  pattern: `^${statusList}(,${statusList})*$`,
  description: 'One or more statuses, comma-separated',
});

export const HistoryQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
    limit,
    cursor: Type.Optional(cursor),
  },
  { additionalProperties: false },
);

export const SearchQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Exact order id, customer id, product id, tracking number or city',
      }),
    ),
    status: Type.Optional(Type.Union([statuses, Type.Array(statuses, { maxItems: orderStatuses.length })])),
    customerId: Type.Optional(identifier('Only this customer’s orders')),
    productId: Type.Optional(identifier('Only orders containing this product')),
    from: Type.Optional(instant('Created at or after')),
    to: Type.Optional(instant('Created before')),
    minTotal: Type.Optional(Type.Number({ minimum: 0, description: 'Decimal, in `currency`' })),
    maxTotal: Type.Optional(Type.Number({ minimum: 0, description: 'Decimal, in `currency`' })),
    currency: Type.Optional({
      ...currency,
      description: 'Only orders in this currency; USD when minTotal or maxTotal is given without it',
    }),
    city: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    state: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    zipCode: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
    trackingNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    fulfilment: Type.Optional(
      Type.Union(
        fulfilmentStates.map((state) => Type.Literal(state)),
        { description: 'How much of the order has shipped' },
      ),
    ),
    refunded: Type.Optional(
      Type.Boolean({
        description: 'true: only orders with a refund that succeeded; false: only those without',
      }),
    ),
    sort: Type.Optional(
      Type.Union([Type.Literal('createdAt'), Type.Literal('totalAmount')], { default: 'createdAt' }),
    ),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' })),
    page: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_000,
        default: 1,
        description: 'Page number for shallow paging; go deeper with `cursor`',
      }),
    ),
    limit,
    cursor: Type.Optional(cursor),
  },
  { additionalProperties: false },
);

export type HistoryQueryValue = WithDefaults<Static<typeof HistoryQuery>, 'page' | 'limit'>;
export type SearchQueryValue = WithDefaults<Static<typeof SearchQuery>, 'page' | 'limit' | 'sort' | 'order'>;

export const SearchPageSchema = Type.Object({
  items: Type.Array(Type.Ref(OrderSchema)),
  page: Type.Integer(),
  limit: Type.Integer(),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

const window = {
  from: Type.Optional(instant('Start (default: 30 days before `to`), widened to the whole unit')),
  to: Type.Optional(instant('End, exclusive (default: now), widened to the whole unit')),
  currency: Type.Optional({ ...currency, description: 'Amounts of this currency only; default USD' }),
};

export const SummaryQuery = Type.Object(window, { additionalProperties: false });
export const TimeseriesQuery = Type.Object(
  {
    interval: Type.Optional(
      Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('week')], {
        default: 'day',
        description: 'UTC buckets; weeks start on Monday',
      }),
    ),
    ...window,
  },
  { additionalProperties: false },
);
export type TimeseriesQueryValue = WithDefaults<Static<typeof TimeseriesQuery>, 'interval'>;
export const TopProductsQuery = Type.Object({ ...window, limit }, { additionalProperties: false });

const windowReply = {
  currency: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
};

/** Orders are counted by creation time, refunds with the order they belong to. */
const revenue = {
  grossRevenue: Type.Number({ description: 'Total of the orders not cancelled' }),
  refundedAmount: Type.Number({ description: 'What was refunded of those orders' }),
  netRevenue: Type.Number({ description: 'grossRevenue − refundedAmount' }),
};

export const SummarySchema = Type.Object({
  ...windowReply,
  orderCount: Type.Integer({ description: 'Orders created in the window, any status' }),
  ...revenue,
  averageOrderValue: Type.Number({ description: 'grossRevenue ÷ orders not cancelled, rounded half up' }),
  cancelledCount: Type.Integer(),
  cancellationRate: Type.Number({ description: 'cancelled ÷ all orders, 4 decimals' }),
  cancellationsByCategory: Type.Object(
    Object.fromEntries(cancellationCategories.map((category) => [category, Type.Integer()])),
    { description: 'Cancelled orders by reason group' },
  ),
  byStatus: Type.Array(
    Type.Object({ status: Type.String(), count: Type.Integer(), totalAmount: Type.Number() }),
  ),
});

export const TimeseriesSchema = Type.Object({
  ...windowReply,
  interval: Type.String(),
  buckets: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      orders: Type.Integer({ description: 'Orders created in the bucket, any status' }),
      ...revenue,
    }),
  ),
});

const productSales = Type.Array(
  Type.Object({ productId: Type.String(), quantity: Type.Integer(), revenue: Type.Number() }),
);
export const TopProductsSchema = Type.Object({
  ...windowReply,
  byQuantity: productSales,
  byRevenue: productSales,
});
export type TopProductsQueryValue = WithDefaults<Static<typeof TopProductsQuery>, 'limit'>;

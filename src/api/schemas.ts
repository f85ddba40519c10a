import { type Static, Type } from '@sinclair/typebox';
import { timelineKinds } from '../application/ports.js';
import { defaultCurrency, supportedCurrencies } from '../domain/money.js';
import { inventoryStatuses, paymentStatuses } from '../domain/order-progress.js';
import { actors, orderStatuses } from '../domain/order-status.js';
import { orderFulfilmentFields, RefundSchema, ShipmentSchema } from './fulfilment-schemas.js';

/** Limits on everything a client controls; they also appear in the OpenAPI document. */
export const limits = {
  maxItems: 100,
  maxQuantity: 10_000,
  maxPrice: 1_000_000,
  idLength: 64,
  maxPageSize: 100,
  idempotencyKeyLength: 255,
} as const;

export const identifier = (description: string) =>
  Type.String({ minLength: 1, maxLength: limits.idLength, pattern: '^[A-Za-z0-9._:@-]+$', description });

const text = (maxLength: number, description: string) =>
  Type.String({ minLength: 1, maxLength, pattern: '\\S', description });

export const OrderStatusSchema = Type.Union(
  orderStatuses.map((status) => Type.Literal(status)),
  { $id: 'OrderStatus', description: 'Lifecycle status; see the transition table in the API description.' },
);

export const ShippingAddressSchema = Type.Object(
  {
    street: text(200, 'Street and number'),
    city: text(100, 'City'),
    state: text(100, 'State or region'),
    zipCode: Type.String({
      minLength: 1,
      maxLength: 20,
      pattern: '^[A-Za-z0-9 -]+$',
      description: 'Postal code',
    }),
  },
  { $id: 'ShippingAddress', additionalProperties: false },
);

export const CreateOrderBody = Type.Object(
  {
    customerId: identifier('The customer placing the order; a customer token may only use its own id.'),
    items: Type.Array(
      Type.Object(
        {
          productId: identifier('Product identifier'),
          quantity: Type.Integer({ minimum: 1, maximum: limits.maxQuantity }),
          price: Type.Number({
            minimum: 0,
            maximum: limits.maxPrice,
            description:
              'Unit price as a decimal number with at most the currency’s minor digits (2 for USD).',
          }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: limits.maxItems },
    ),
    shippingAddress: Type.Ref(ShippingAddressSchema),
    currency: Type.Optional(
      Type.Union(
        supportedCurrencies.map((code) => Type.Literal(code)),
        { default: defaultCurrency, description: `ISO 4217 code; ${defaultCurrency} when omitted.` },
      ),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        customerId: '123',
        items: [{ productId: '456', quantity: 2, price: 29.99 }],
        shippingAddress: { street: '123 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
      },
    ],
  },
);
export type CreateOrderBody = Static<typeof CreateOrderBody>;

export const ChangeStatusBody = Type.Object(
  {
    status: Type.Ref(OrderStatusSchema),
    trackingNumber: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[A-Za-z0-9-]+$',
        description: 'Required for SHIPPED',
      }),
    ),
    reason: Type.Optional(text(500, 'Why; recorded in the status history (and as the cancellation reason)')),
  },
  { additionalProperties: false, examples: [{ status: 'SHIPPED', trackingNumber: '1Z999AA10123456789' }] },
);
export type ChangeStatusBody = Static<typeof ChangeStatusBody>;

/** A closed set of strings, from the `const` array that also gives the type. */
const literals = (values: readonly string[], description?: string) =>
  Type.Union(
    values.map((value) => Type.Literal(value)),
    description ? { description } : {},
  );

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const OrderSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'UUIDv7: time-ordered' }),
    customerId: Type.String(),
    status: Type.Ref(OrderStatusSchema),
    items: Type.Array(
      Type.Object({
        productId: Type.String(),
        quantity: Type.Integer(),
        price: Type.Number(),
        lineTotal: Type.Number({ description: 'quantity × price, computed by the service' }),
      }),
    ),
    shippingAddress: Type.Ref(ShippingAddressSchema),
    totalAmount: Type.Number({ description: 'Sum of the line totals, computed by the service' }),
    currency: Type.String(),
    trackingNumber: Nullable(Type.String()),
    cancellationReason: Nullable(Type.String()),
    payment: Type.Object({
      status: literals(
        paymentStatuses,
        'REFUNDING: the refund was asked for; REFUNDED: the provider confirmed it',
      ),
      transactionId: Nullable(Type.String()),
    }),
    inventory: Type.Object({
      status: literals(
        inventoryStatuses,
        'RELEASING: the release was asked for; RELEASED: inventory confirmed it',
      ),
      reservationId: Nullable(Type.String()),
    }),
    ...orderFulfilmentFields,
    statusHistory: Type.Array(
      Type.Object({
        status: Type.Ref(OrderStatusSchema),
        changedAt: Type.String({ format: 'date-time' }),
        changedBy: literals(actors, 'Who made the change; `saga` is this service’s own orchestrator'),
        reason: Nullable(Type.String()),
        causationId: Nullable(
          Type.String({ description: 'The message that caused the change; null for an API call' }),
        ),
      }),
      { description: 'Status changes only, oldest first; the saga’s steps are in the timeline' },
    ),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    version: Type.Integer({ description: 'Incremented on every change' }),
  },
  { $id: 'Order', examples: [exampleOrder()] },
);

export const TimelineSchema = Type.Object(
  {
    orderId: Type.String({ format: 'uuid' }),
    entries: Type.Array(
      Type.Object({
        at: Type.String({ format: 'date-time' }),
        kind: literals(
          timelineKinds,
          'command / compensation: sent to a participant; reply: its answer, prefixed with what the saga ' +
            'made of it (applied, ignored, compensated); timeout (also a shipment’s stock commit given up ' +
            'after its last attempt); retry: a shipment’s `inventory.commit` sent again because no ' +
            'reply came in time; withdrawn: a command deleted before it left; unrequested_effect: a ' +
            'reservation or charge nobody asked for, undone',
        ),
        messageType: Nullable(Type.String({ description: 'e.g. inventory.reserve, payment.succeeded' })),
        messageId: Nullable(Type.String()),
        detail: Nullable(Type.String()),
      }),
      { description: 'Oldest first' },
    ),
  },
  { $id: 'OrderTimeline' },
);

/** The brief's order after its saga confirmed it: what GET /api/orders/{orderId} answers. */
function exampleOrder() {
  const created = '2026-11-25T10:15:30.120Z';
  const confirmed = '2026-11-25T10:15:30.184Z';
  return {
    id: '0196f3a2-7c1e-7b3a-9f10-2f6d8e4c1a55',
    customerId: '123',
    status: 'CONFIRMED',
    items: [{ productId: '456', quantity: 2, price: 29.99, lineTotal: 59.98 }],
    shippingAddress: { street: '123 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
    totalAmount: 59.98,
    currency: 'USD',
    trackingNumber: null,
    cancellationReason: null,
    payment: { status: 'SUCCEEDED', transactionId: 'sim_0196f3a2-7c3d-7e21-8b44-5a9c0d2e6f13' },
    inventory: { status: 'RESERVED', reservationId: '0196f3a2-7c31-7a02-b6e5-1f8d3c9a4b27' },
    statusHistory: [
      { status: 'PENDING', changedAt: created, changedBy: 'customer', reason: null, causationId: null },
      {
        status: 'CONFIRMED',
        changedAt: confirmed,
        changedBy: 'saga',
        reason: 'stock reserved and payment taken',
        causationId: '0196f3a2-7c3f-7d10-a2b4-6c1e9f0d3a88',
      },
    ],
    fulfilment: 'unfulfilled',
    shipments: [],
    refunds: [],
    refundedAmount: 0,
    createdAt: created,
    updatedAt: confirmed,
    version: 2,
  };
}

export const OrderPageSchema = Type.Object(
  {
    items: Type.Array(Type.Ref(OrderSchema)),
    page: Type.Integer(),
    limit: Type.Integer(),
    total: Type.Integer(),
    totalPages: Type.Integer(),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page (as fast at any depth); null on the last page',
    }),
  },
  { $id: 'OrderPage' },
);

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'A URI naming the kind of problem' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({ field: Type.String({ description: 'JSON pointer' }), message: Type.String() }),
      ),
    ),
  },
  {
    $id: 'Problem',
    description: 'RFC 9457 problem details, served as application/problem+json',
    examples: [
      {
        type: 'urn:problem:validation',
        title: 'Validation failed',
        status: 400,
        detail: 'The request is not valid',
        instance: '/api/orders',
        errors: [{ field: '/items/0/quantity', message: 'must be >= 1' }],
      },
    ],
  },
);

export const OrderIdParams = Type.Object({ orderId: Type.String({ format: 'uuid' }) });
export const CustomerIdParams = Type.Object({ customerId: identifier('Customer id') });

/** The shared schemas, registered once so routes and the OpenAPI document refer to them by name. */
export const sharedSchemas = [
  OrderStatusSchema,
  ShippingAddressSchema,
  ShipmentSchema,
  RefundSchema,
  OrderSchema,
  OrderPageSchema,
  TimelineSchema,
  ProblemSchema,
];

import { Type } from '@sinclair/typebox';
import { fulfilmentStates } from '../domain/fulfilment.js';
import { refundStatuses } from '../domain/refunds.js';
import { stockCommitStatuses } from '../domain/shipments.js';

/** Shipments and refunds: request bodies and the shapes an order shows them in. */

const productId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:@-]+$' });
const lines = (description: string) =>
  Type.Array(
    Type.Object(
      { productId, quantity: Type.Integer({ minimum: 1, maximum: 10_000 }) },
      { additionalProperties: false },
    ),
    { minItems: 1, maxItems: 100, description },
  );
const trackingNumber = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' });

export const ShipmentBody = Type.Object(
  {
    items: lines('What this shipment holds: at most what is ordered and not yet shipped'),
    trackingNumber,
    carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' })),
  },
  {
    additionalProperties: false,
    examples: [
      { items: [{ productId: '456', quantity: 1 }], trackingNumber: '1Z999AA10123456789', carrier: 'UPS' },
    ],
  },
);

export const RefundBody = Type.Object(
  {
    amount: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1_000_000_000,
        description: 'Decimal, in the order’s currency',
      }),
    ),
    items: Type.Optional(lines('Refund these units at their ordered prices (instead of `amount`)')),
    reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }),
  },
  { additionalProperties: false, examples: [{ amount: 10.5, reason: 'damaged in transit' }] },
);

export const ShipmentSchema = Type.Object(
  {
    id: Type.String(),
    items: Type.Array(Type.Object({ productId: Type.String(), quantity: Type.Integer() })),
    trackingNumber: Type.String(),
    carrier: Type.Union([Type.String(), Type.Null()]),
    shippedAt: Type.String({ format: 'date-time' }),
    stockStatus: Type.Union(
      stockCommitStatuses.map((status) => Type.Literal(status)),
      {
        description:
          'Whether the inventory service has committed this shipment’s units. REQUESTED: the ' +
          '`inventory.commit` is out (sent again, waiting twice as long each time, while no reply ' +
          'comes); COMMIT_FAILED: no reply to any attempt (SHIPMENT_COMMIT_MAX_ATTEMPTS), an ' +
          'operator has to check the stock; a reply arriving later still makes it COMMITTED.',
      },
    ),
  },
  { $id: 'Shipment' },
);

export const RefundSchema = Type.Object(
  {
    id: Type.String(),
    amount: Type.Number(),
    currency: Type.String(),
    reason: Type.String(),
    status: Type.Union(refundStatuses.map((status) => Type.Literal(status))),
    requestedAt: Type.String({ format: 'date-time' }),
    settledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'Refund' },
);

/** The fields an order shows of its fulfilment and refunds. */
export const orderFulfilmentFields = {
  fulfilment: Type.Union(
    fulfilmentStates.map((state) => Type.Literal(state)),
    { description: 'Nothing, part or all of the order shipped' },
  ),
  shipments: Type.Array(Type.Ref(ShipmentSchema)),
  refunds: Type.Array(Type.Ref(RefundSchema)),
  refundedAmount: Type.Number({ description: 'Refunds that succeeded, in the order’s currency' }),
};

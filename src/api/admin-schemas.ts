import { Type } from '@sinclair/typebox';
import { deadLetterStatuses } from '../application/dead-letters.js';

const Time = Type.String({ format: 'date-time' });

export const DeadLetterStatusSchema = Type.Union(
  deadLetterStatuses.map((status) => Type.Literal(status)),
  { description: 'pending until an admin replays or discards it' },
);

export const DeadLetterSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    messageId: Type.String(),
    type: Type.Union([Type.String(), Type.Null()]),
    exchange: Type.String({
      description: 'Where the message was first published; a replay goes there again',
    }),
    routingKey: Type.String(),
    queue: Type.String({ description: 'The work queue whose consumer gave up' }),
    headers: Type.Record(Type.String(), Type.Unknown()),
    body: Type.String({ description: 'The message body as received' }),
    error: Type.String({ description: 'The last handler error' }),
    attempts: Type.Integer({ description: 'Deliveries, summed over every time it was dead-lettered' }),
    firstSeenAt: Time,
    lastSeenAt: Time,
    status: DeadLetterStatusSchema,
    replayedAt: Type.Union([Time, Type.Null()]),
  },
  { $id: 'DeadLetter' },
);

export const DeadLetterQuery = Type.Object(
  {
    status: Type.Optional(DeadLetterStatusSchema),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

export const DeadLetterPageSchema = Type.Object({
  items: Type.Array(Type.Ref(DeadLetterSchema)),
  page: Type.Integer(),
  limit: Type.Integer(),
  total: Type.Integer(),
});

export const DeadLetterIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const OperationsSchema = Type.Object({
  outbox: Type.Object({ backlog: Type.Integer(), oldestAgeSeconds: Type.Number() }),
  deadLetters: Type.Object({ pending: Type.Integer() }),
  sagaOutcomes: Type.Record(Type.String(), Type.Number(), {
    description: 'Finished sagas by outcome, counted by this instance since it started',
  }),
  stuckSagas: Type.Array(
    Type.Object({
      orderId: Type.String(),
      step: Type.String({ description: 'The command whose reply the saga awaits, e.g. payment.process' }),
      deadlineAt: Time,
      startedAt: Time,
      overdueSeconds: Type.Number(),
    }),
    { description: 'Sagas past their step deadline that the sweeper has not compensated yet (at most 50)' },
  ),
  stockCommits: Type.Object(
    {
      awaiting: Type.Integer({ description: 'Shipments whose `inventory.commit` awaits its reply' }),
      retrying: Type.Integer({ description: 'Of those, how many were sent again after a missed deadline' }),
      failed: Type.Array(
        Type.Object({
          orderId: Type.String(),
          shipmentId: Type.String(),
          attempts: Type.Integer(),
          failedAt: Time,
        }),
        {
          description:
            'Shipments whose stock commit got no reply to any attempt (COMMIT_FAILED), newest first ' +
            '(at most 50); a late reply removes one',
        },
      ),
    },
    { description: 'Shipments’ stock commits with the inventory service' },
  ),
});

import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { Principal } from '../../application/access.js';
import type { DeadLetterHandlers } from '../../application/dead-letters.js';
import { Forbidden } from '../../domain/errors.js';
import {
  DeadLetterIdParams,
  DeadLetterPageSchema,
  DeadLetterQuery,
  DeadLetterSchema,
  OperationsSchema,
} from '../admin-schemas.js';
import { problemResponses } from '../openapi-responses.js';

export interface AdminRoutesOptions {
  deadLetters: DeadLetterHandlers;
  /** What the console's operations page shows; admin only. */
  operations: () => Promise<{
    outbox: { backlog: number; oldestAgeSeconds: number };
    deadLetters: { pending: number };
    sagaOutcomes: Record<string, number>;
    stuckSagas: {
      orderId: string;
      step: string;
      deadlineAt: string;
      startedAt: string;
      overdueSeconds: number;
    }[];
    stockCommits: {
      awaiting: number;
      retrying: number;
      failed: { orderId: string; shipmentId: string; attempts: number; failedAt: string }[];
    };
  }>;
}

const adminOnly = (principal: Principal) => {
  if (!principal.roles.includes('admin')) throw new Forbidden('Only an admin may read operations data');
};

/** Admin-only operations: dead letters (list, replay, discard) and the state of sagas and the outbox. */
export const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesOptions> = async (app, options) => {
  app.get(
    '/admin/dead-letters',
    {
      schema: {
        tags: ['admin'],
        summary: 'Dead letters, most recently seen first',
        description:
          'Admin only. Messages that failed every delivery attempt, stored by the dead-letter consumer.',
        querystring: DeadLetterQuery,
        response: { 200: DeadLetterPageSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => options.deadLetters.list(request.principal, request.query),
  );

  app.post(
    '/admin/dead-letters/:id/replay',
    {
      schema: {
        tags: ['admin'],
        summary: 'Republish a dead letter through the outbox, once',
        description:
          'Admin only. The message keeps its id and goes to the exchange and routing key it was first ' +
          'published with. A letter that is not pending (already replayed or discarded) → 409. Audited.',
        params: DeadLetterIdParams,
        response: { 200: Type.Ref(DeadLetterSchema), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => options.deadLetters.replay(request.principal, request.params.id),
  );

  app.delete(
    '/admin/dead-letters/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Discard a dead letter',
        description: 'Admin only. The row is kept with status discarded; who and when go to the audit log.',
        params: DeadLetterIdParams,
        response: { 200: Type.Ref(DeadLetterSchema), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => options.deadLetters.discard(request.principal, request.params.id),
  );

  app.get(
    '/admin/operations',
    {
      schema: {
        tags: ['admin'],
        summary: 'Outbox backlog, pending dead letters, saga outcomes and sagas stuck past their deadline',
        description: 'Admin only.',
        response: { 200: OperationsSchema, ...problemResponses(401, 403) },
      },
    },
    async (request) => {
      adminOnly(request.principal);
      return options.operations();
    },
  );
};

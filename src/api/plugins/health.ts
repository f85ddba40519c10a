import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Readiness, ReadinessReport } from '../../infrastructure/observability/readiness.js';
import { operationalRoute } from './protection.js';

const Check = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['ok', 'fail', 'degraded', 'unknown'] } },
  additionalProperties: true,
} as const;

const ReadinessReportSchema = {
  type: 'object',
  required: ['status', 'checks', 'failing'],
  properties: {
    status: { type: 'string', enum: ['ok', 'fail'] },
    checks: { type: 'object', additionalProperties: Check },
    failing: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** /health/live says the process answers; /health/ready says whether it should get traffic. */
export default fp(
  async function healthPlugin(app: FastifyInstance, { readiness }: { readiness: Readiness }) {
    let lastStatus: ReadinessReport['status'] | null = null;
    app.get(
      '/health/live',
      {
        config: operationalRoute,
        schema: {
          tags: ['operations'],
          summary: 'Liveness',
          description: 'The process is up and its event loop answers. Checks no dependency.',
          security: [],
          response: {
            200: {
              type: 'object',
              required: ['status'],
              properties: { status: { type: 'string', const: 'ok' } },
            },
          },
        },
      },
      async () => ({ status: 'ok' }),
    );

    app.get(
      '/health/ready',
      {
        config: operationalRoute,
        schema: {
          tags: ['operations'],
          summary: 'Readiness, per dependency',
          description:
            'Whether this instance can serve now: database (ping on its own connection), message broker, ' +
            'memory against HEALTH_MEMORY_LIMIT_MB, event-loop delay, outbox backlog and the saga participants. ' +
            'A broker connection lost after start-up is `degraded` (200): the outbox keeps what is published. ' +
            '503 lists the failing checks. Results are reused for one second, so polling every second is cheap.',
          security: [],
          response: { 200: ReadinessReportSchema, 503: ReadinessReportSchema },
        },
      },
      async (request, reply) => {
        let report: ReadinessReport;
        try {
          report = await readiness.report();
        } catch (error) {
          request.log.error({ err: error }, 'readiness checks did not finish');
          report = { status: 'fail', checks: {}, failing: ['readiness'] };
        }
        // Logged when the answer changes, not on every poll.
        if (report.status !== lastStatus) {
          lastStatus = report.status;
          if (report.status === 'fail') request.log.warn({ failing: report.failing }, 'not ready');
          else request.log.info('ready');
        }
        return reply.code(report.status === 'ok' ? 200 : 503).send(report);
      },
    );
  },
  { name: 'health' },
);

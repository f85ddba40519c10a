import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';
import type { Metrics } from '../../infrastructure/observability/metrics.js';
import { problemResponses } from '../openapi-responses.js';
import { NoQuery } from './health.js';
import { operationalRoute } from './protection.js';

export interface MetricsPluginOptions {
  registry: Registry;
  metrics: Pick<Metrics, 'httpDuration' | 'errors'>;
}

const problemPrefix = 'urn:problem:';

/**
 * Times every response by method, route template (never the raw URL, which holds ids) and status
 * code; counts every problem+json response by its kind, whoever sent it (errors plugin,
 * authentication, rate limiter, load shedding); and serves /metrics.
 */
export default fp(
  async function metricsPlugin(app: FastifyInstance, { registry, metrics }: MetricsPluginOptions) {
    app.addHook('onSend', (_request, reply, payload, done) => {
      const contentType = String(reply.getHeader('content-type') ?? '');
      if (contentType.startsWith('application/problem+json') && typeof payload === 'string') {
        metrics.errors.inc({ kind: problemKind(payload) });
      }
      done(null, payload);
    });

    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpDuration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });

    app.get(
      '/metrics',
      {
        config: operationalRoute,
        schema: {
          tags: ['operations'],
          operationId: 'getMetrics',
          summary: 'Prometheus metrics',
          description: 'Text exposition format 0.0.4, for a Prometheus scrape.',
          security: [],
          querystring: NoQuery,
          produces: ['text/plain'],
          response: {
            200: {
              type: 'string',
              description: 'Prometheus text format',
              examples: [
                '# HELP orders_created_total Orders created (committed).\n# TYPE orders_created_total counter\norders_created_total 42\n',
              ],
            },
            ...problemResponses(400),
          },
        },
      },
      async (_request, reply) => {
        const body = await registry.metrics();
        return reply.type(registry.contentType).send(body);
      },
    );
  },
  { name: 'metrics' },
);

function problemKind(payload: string): string {
  try {
    const type: unknown = (JSON.parse(payload) as { type?: unknown }).type;
    if (typeof type === 'string' && type.startsWith(problemPrefix)) return type.slice(problemPrefix.length);
  } catch {
    // not JSON: counted below
  }
  return 'unknown';
}

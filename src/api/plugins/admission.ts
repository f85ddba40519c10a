import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface AdmissionOptions {
  /** Orders waiting for their saga (cached by the caller: it is asked on every guarded request). */
  sagaBacklog: () => Promise<{ pending: number; readAt: number }>;
  /** Most orders waiting for their saga; a POST that would add one more is refused. 0 admits everything. */
  limit: number;
  /** The routes to guard, as `METHOD /url` of the route's definition. */
  routes: readonly string[];
}

/** Long enough for the saga to finish a good share of its backlog, short enough to lose no customer. */
const retryAfterSeconds = 1;

/**
 * Back-pressure on the saga: while its backlog is at the limit, the guarded routes answer 503
 * with Retry-After before any work is done — right after the token check, before the body is read,
 * parsed or validated: under overload refusals outnumber admissions fifty to one, and refusals that
 * cost a full request took the CPU the saga needed to catch up. So the service never accepts orders
 * faster than it confirms them and the time to CONFIRMED stays bounded under overload. A backlog
 * that cannot be read admits the request: the use case then meets the same database and fails on
 * its own.
 */
export default fp(
  async function admission(app: FastifyInstance, options: AdmissionOptions) {
    if (options.limit <= 0) return;
    const guarded = new Set(options.routes);
    // Orders this instance admitted since the count it holds was read: a cached count stays the
    // same for its whole lifetime while a burst of POSTs each adds one order to the backlog.
    let countReadAt = 0;
    let admittedSinceCount = 0;
    // Refusals are logged once per episode (their responses are not logged one by one).
    let refusing = false;
    app.addHook('onRequest', async (request, reply) => {
      if (!guarded.has(`${request.method} ${request.routeOptions.url}`)) return;
      const counted = await options.sagaBacklog().catch(() => null);
      if (counted === null) return;
      if (counted.readAt !== countReadAt) {
        countReadAt = counted.readAt;
        admittedSinceCount = 0;
      }
      const backlog = counted.pending + admittedSinceCount;
      if (backlog < options.limit) {
        admittedSinceCount += 1;
        if (refusing) {
          refusing = false;
          app.log.info(
            { backlog, limit: options.limit },
            'saga backlog under its limit: admitting orders again',
          );
        }
        return;
      }
      if (!refusing) {
        refusing = true;
        app.log.warn({ backlog, limit: options.limit }, 'saga backlog full: refusing new orders with 503');
      }
      reply.header('retry-after', String(retryAfterSeconds));
      throw Object.assign(
        new Error(`${backlog} orders are waiting for payment and stock; retry in ${retryAfterSeconds} s`),
        { statusCode: 503, code: 'SAGA_BACKLOG_FULL' },
      );
    });
  },
  { name: 'admission' },
);

import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** A request that was not answered within the server-side deadline; mapped to 503 by the errors plugin. */
export class RequestDeadlineExceeded extends Error {
  constructor(readonly deadlineMs: number) {
    super(`The request did not finish within ${deadlineMs} ms`);
    this.name = 'RequestDeadlineExceeded';
  }
}

const timers = new WeakMap<object, NodeJS.Timeout>();

/**
 * A deadline for every request, from its body being read to its answer: a stalled database or a full pool queue
 * gives the client a 503 with Retry-After instead of a hung request. The handler goes on and
 * settles later; its outcome no longer belongs to this response. (Fastify's own `handlerTimeout`
 * is cleared when Node emits `close` on a fully read request body, so it never fires for a POST.)
 */
export default fp(
  async function deadlinePlugin(app: FastifyInstance, { deadlineMs }: { deadlineMs: number }) {
    // From the moment the body is in (receiving it is bounded by HTTP_REQUEST_TIMEOUT_MS): a slow
    // client's upload is not this service's delay.
    app.addHook('preValidation', async (request, reply) => {
      const timer = setTimeout(() => {
        if (reply.sent) return;
        reply.send(new RequestDeadlineExceeded(deadlineMs));
      }, deadlineMs);
      timer.unref();
      timers.set(request, timer);
    });
    app.addHook('onResponse', async (request) => {
      clearTimeout(timers.get(request));
    });
  },
  { name: 'deadline' },
);

import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** A request that was not answered within the server-side deadline; mapped to 503 by the errors plugin. */
export class RequestDeadlineExceeded extends Error {
  constructor(readonly deadlineMs: number) {
    super(`The request did not finish within ${deadlineMs} ms`);
    this.name = 'RequestDeadlineExceeded';
  }
}

interface Clock {
  timer?: NodeJS.Timeout;
  /** Time spent before the body was read (onRequest hooks: authentication, admission). */
  spentBeforeBodyMs: number;
  arrivedAt: number;
}

const clocks = new WeakMap<object, Clock>();

/**
 * A deadline for every request, for all the time this service spends on it, answering 503 with
 * Retry-After instead of a hung request when the database stalls or the pool queue is full. It runs
 * from the request's arrival, except while its body is being received (bounded by
 * HTTP_REQUEST_TIMEOUT_MS: a slow client's upload is not this service's delay). The hooks before the
 * body is read count: admission reads the saga backlog there, and during a database stall that read
 * alone took a second past a deadline that started after it. The handler goes on and settles later;
 * its outcome no longer belongs to this response. (Fastify's own `handlerTimeout` is cleared when
 * Node emits `close` on a fully read request body, so it never fires for a POST.)
 */
export default fp(
  async function deadlinePlugin(app: FastifyInstance, { deadlineMs }: { deadlineMs: number }) {
    const expire = (reply: { sent: boolean; send(payload: unknown): unknown }) => () => {
      if (reply.sent) return;
      reply.send(new RequestDeadlineExceeded(deadlineMs));
    };
    // On the root, so this runs before the API scope's onRequest hooks (authentication, admission).
    app.addHook('onRequest', (request, reply, done) => {
      const clock: Clock = { arrivedAt: Date.now(), spentBeforeBodyMs: 0 };
      clock.timer = setTimeout(expire(reply), deadlineMs);
      clock.timer.unref();
      clocks.set(request, clock);
      done();
    });
    // The body is about to be read: the deadline pauses until it is in. A request without one
    // (a GET) keeps its first timer instead of clearing it and setting another.
    app.addHook('preParsing', (request, _reply, payload, done) => {
      const clock = hasBody(request.headers) ? clocks.get(request) : undefined;
      if (clock) {
        clearTimeout(clock.timer);
        clock.spentBeforeBodyMs = Date.now() - clock.arrivedAt;
      }
      done(null, payload);
    });
    app.addHook('preValidation', (request, reply, done) => {
      const clock = hasBody(request.headers) ? clocks.get(request) : undefined;
      if (clock) {
        clock.timer = setTimeout(expire(reply), Math.max(0, deadlineMs - clock.spentBeforeBodyMs));
        clock.timer.unref();
      }
      done();
    });
    app.addHook('onResponse', (request, _reply, done) => {
      clearTimeout(clocks.get(request)?.timer);
      done();
    });
  },
  { name: 'deadline' },
);

/** Whether a body follows the headers (RFC 9112 §6.3): Node's parser reads one only then. */
function hasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

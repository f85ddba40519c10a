import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** A client that meets a draining instance goes to another one at once. */
const retryAfterSeconds = 1;

/**
 * Graceful shutdown without keep-alive connections holding it up. Node's `server.close()` reaps the
 * connections that are idle at that moment only; one busy then finishes its answer and stays open
 * until the client's keep-alive ends (Node announces 72 s), which kept a SIGTERMed instance alive past
 * SHUTDOWN_TIMEOUT_MS. Once closing, every answer carries `Connection: close`, connections that went
 * idle are reaped as they do, and a request that still arrives on an open connection is answered
 * 503 problem+json with Retry-After (Fastify's own 503 for this is plain JSON without it).
 */
export default fp(
  async function draining(app: FastifyInstance) {
    let closing = false;
    let reaper: NodeJS.Timeout | undefined;
    app.addHook('preClose', async () => {
      closing = true;
      reaper = setInterval(() => app.server.closeIdleConnections(), 100);
      reaper.unref();
    });
    app.addHook('onClose', async () => {
      clearInterval(reaper);
    });
    app.addHook('onRequest', (_request, reply, done) => {
      if (!closing) return done();
      reply.header('retry-after', String(retryAfterSeconds));
      done(
        Object.assign(new Error('This instance is shutting down; retry on another one'), {
          statusCode: 503,
          code: 'SHUTTING_DOWN',
        }),
      );
    });
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (closing) reply.header('connection', 'close');
      done(null, payload);
    });
  },
  { name: 'draining' },
);

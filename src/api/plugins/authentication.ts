import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Principal } from '../../application/access.js';
import { type TokenVerifier, Unauthenticated } from '../auth.js';
import { sendProblem } from '../problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/**
 * Requires a valid bearer token on every route registered in this plugin's scope; health,
 * metrics and docs live outside it. A failure is a 401 with WWW-Authenticate (RFC 6750).
 */
export default fp(
  async function authentication(app: FastifyInstance, options: { verify: TokenVerifier }) {
    app.decorateRequest('principal', null as unknown as Principal);
    app.addHook('onRequest', async (request, reply) => {
      try {
        request.principal = await options.verify(request.headers.authorization);
      } catch (error) {
        if (!(error instanceof Unauthenticated)) throw error;
        const challenge = error.code
          ? `Bearer realm="order-service", error="${error.code}", error_description="${error.message}"`
          : 'Bearer realm="order-service"';
        reply.header('www-authenticate', challenge);
        return sendProblem(request, reply, {
          type: 'urn:problem:unauthenticated',
          title: 'Unauthenticated',
          status: 401,
          detail: error.message,
        });
      }
    });
  },
  { name: 'authentication' },
);

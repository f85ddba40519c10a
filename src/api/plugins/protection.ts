import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import type { Config } from '../../config.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A health or metrics route: left out of rate limiting, and load shedding. */
    operational?: boolean;
    /** A route left out of the OpenAPI document that answers exactly as the operation with this id. */
    documentedAs?: string;
    /** Read by @fastify/under-pressure per route (its types do not declare it); returning lets the request through. */
    pressureHandler?: (
      request: FastifyRequest,
      reply: FastifyReply,
      type: string,
      value: number | undefined,
    ) => void;
  }
}

/**
 * Route config for health and metrics: never rate limited and never shed, because a probe that
 * gets 429 or 503 under load makes the orchestrator restart an instance that is merely busy.
 */
export const operationalRoute: FastifyContextConfig = {
  operational: true,
  rateLimit: false,
  pressureHandler: () => undefined,
};

/**
 * The headers OWASP's REST Security Cheat Sheet asks of every API answer: nothing stored by any
 * cache (an order holds a name and an address), nothing framed, nothing sniffed, HTTPS only. helmet's
 * set is written for pages (script, style and font sources, prefetching, downloads); on JSON it
 * protected nothing more and was 637 bytes that every client parsed on every answer
 * (docs/benchmarks.md).
 */
const apiSecurityHeaders: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});

/** What a browser renders as a page, and its assets: Swagger UI and the console get helmet's set. */
const pagePath = /^\/(docs|console)(\/|\?|$)/;

/**
 * Security headers, CORS, load shedding and per-client rate limiting. Register it before any
 * route: the rate limiter applies to the routes registered after it. Refusals (429, 503) are
 * errors mapped to problem+json by the errors plugin and keep their Retry-After header.
 */
export default fp(
  async function protection(app: FastifyInstance, { http, health }: Pick<Config, 'http' | 'health'>) {
    const pageHeaders = helmetPageHeaders();
    app.addHook('onRequest', (request, reply, done) => {
      reply.headers(pagePath.test(request.url) ? pageHeaders : apiSecurityHeaders);
      done();
    });
    await app.register(cors, {
      origin: http.corsOrigins,
      exposedHeaders: ['location', 'x-request-id', 'retry-after', 'idempotent-replayed'],
    });
    await app.register(underPressure, {
      // 0 turns the check off. Note that a loop blocked for a whole sample interval counts as an
      // infinite delay, so any threshold sheds load for a second after such a block.
      maxEventLoopDelay: health.eventLoopDelayThresholdMs,
      maxRssBytes: health.memoryLimitBytes,
      retryAfter: 10,
    });
    // RATE_LIMIT_MAX=0 turns limiting off (e.g. behind a gateway that already limits).
    if (http.rateLimitMax > 0) {
      await app.register(rateLimit, {
        global: true,
        max: http.rateLimitMax,
        timeWindow: http.rateLimitWindowMs,
        // After authentication, so an authenticated client is limited by who it is, not where from.
        hook: 'preHandler',
        keyGenerator: clientKey,
        errorResponseBuilder: (_request, context) =>
          Object.assign(
            new Error(`Rate limit of ${context.max} requests exceeded; retry in ${context.after}`),
            {
              statusCode: context.statusCode,
              code: 'RATE_LIMITED',
            },
          ),
      });
    }
  },
  { name: 'protection' },
);

/**
 * helmet's headers for pages, computed once: they depend on nothing in the request. Its
 * middleware run per request was ~2 % of the service's CPU under GET load (and @fastify/helmet,
 * which also rebuilds it and re-parses the CSP each time, 4.7 %); set on the reply instead of the
 * raw response, they go out with Fastify's own headers in one `writeHead` (docs/benchmarks.md).
 */
function helmetPageHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet({
    // The service is usually behind a TLS-terminating proxy; upgrading /docs' assets to https
    // would break it when served over plain http.
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  })({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure;
  return Object.freeze(headers);
}

/** The JWT subject on authenticated routes (the principal is decorated only in the /api scope), else the IP. */
function clientKey(request: FastifyRequest): string {
  const subject = (request as Partial<Pick<FastifyRequest, 'principal'>>).principal?.subject;
  return subject ? `sub:${subject}` : `ip:${request.ip}`;
}

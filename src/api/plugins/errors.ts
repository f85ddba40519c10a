import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay from 'find-my-way';
import { CommitOutcomeUnknown } from '../../application/unavailable.js';
import { DomainError, type FieldError } from '../../domain/errors.js';
import { isDatabaseUnavailable } from '../../infrastructure/db/sql-errors.js';
import { type Problem, sendProblem } from '../problem.js';
import { RequestDeadlineExceeded } from './deadline.js';

type ProblemBody = Omit<Problem, 'instance'>;

/** Seconds a client is asked to wait after a 503 of an outage or a missed deadline. */
const retryAfterSeconds = 2;

interface Mapped {
  body: ProblemBody;
  expected: boolean;
  /** Set for "try again shortly" answers: a dependency is down, or the deadline passed. */
  unavailable?: 'database' | 'deadline';
}

const knownMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const domainStatus: Record<DomainError['kind'], { status: number; title: string }> = {
  validation: { status: 400, title: 'Validation failed' },
  not_found: { status: 404, title: 'Not found' },
  forbidden: { status: 403, title: 'Forbidden' },
  illegal_transition: { status: 409, title: 'Transition not allowed' },
  idempotency_conflict: { status: 422, title: 'Idempotency key reused' },
  concurrency_conflict: { status: 409, title: 'Concurrent modification' },
  conflict: { status: 409, title: 'Conflict' },
  over_shipment: { status: 409, title: 'More than remains to ship' },
  over_refund: { status: 409, title: 'More than remains to refund' },
};

/** Fastify's own errors that a client causes, by code. */
const frameworkErrors: Record<string, { status: number; title: string; kind: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported media type',
    kind: 'unsupported_media_type',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, title: 'Request body too large', kind: 'body_too_large' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, title: 'Malformed JSON', kind: 'malformed_json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, title: 'Malformed JSON', kind: 'malformed_json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, title: 'Invalid Content-Length', kind: 'bad_request' },
  // Thrown by the protection plugin's rate limiter and by @fastify/under-pressure; both set Retry-After.
  RATE_LIMITED: { status: 429, title: 'Too many requests', kind: 'rate_limited' },
  FST_UNDER_PRESSURE: { status: 503, title: 'Service overloaded', kind: 'overloaded' },
  // Thrown by the admission plugin, which sets Retry-After.
  SAGA_BACKLOG_FULL: { status: 503, title: 'Too many orders in progress', kind: 'saga_backlog_full' },
  // Thrown by the draining plugin once the instance is shutting down; it sets Retry-After.
  SHUTTING_DOWN: { status: 503, title: 'Shutting down', kind: 'shutting_down' },
};

/** Maps every error to problem+json in one place: domain errors, validation, framework and unexpected ones. */
function toProblem(error: FastifyError | Error): Mapped {
  if (error instanceof RequestDeadlineExceeded) {
    return {
      body: {
        type: 'urn:problem:deadline_exceeded',
        title: 'Request deadline exceeded',
        status: 503,
        detail:
          'The request did not finish within its deadline; retry later (a POST with the same Idempotency-Key).',
      },
      expected: true,
      unavailable: 'deadline',
    };
  }
  if (error instanceof CommitOutcomeUnknown || isDatabaseUnavailable(error)) {
    return {
      body: {
        type: 'urn:problem:unavailable',
        title: 'Service unavailable',
        status: 503,
        detail:
          error instanceof CommitOutcomeUnknown
            ? 'The database failed while storing the change and its outcome could not be checked; retry with the same Idempotency-Key'
            : 'The database is unavailable; retry later',
      },
      expected: true,
      unavailable: 'database',
    };
  }
  if (error instanceof DomainError) {
    const { status, title } = domainStatus[error.kind];
    const errors =
      'errors' in error && Array.isArray(error.errors) && error.errors.length > 0 ? error.errors : undefined;
    return {
      body: {
        type: `urn:problem:${error.kind}`,
        title,
        status,
        detail: error.message,
        ...(errors && { errors }),
      },
      expected: true,
    };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return {
      body: {
        type: 'urn:problem:validation',
        title: 'Validation failed',
        status: 400,
        detail: `The request ${fastifyError.validationContext ?? 'input'} is not valid`,
        errors: mergeAlternatives(fastifyError.validation).map((issue) =>
          toFieldError(issue, fastifyError.validationContext),
        ),
      },
      expected: true,
    };
  }
  const known = fastifyError.code ? frameworkErrors[fastifyError.code] : undefined;
  if (known) {
    return {
      body: {
        type: `urn:problem:${known.kind}`,
        title: known.title,
        status: known.status,
        detail: error.message,
      },
      expected: true,
    };
  }
  // JSON.parse failures surface as a SyntaxError with status 400.
  if (fastifyError.statusCode === 400 && error instanceof SyntaxError) {
    return {
      body: {
        type: 'urn:problem:malformed_json',
        title: 'Malformed JSON',
        status: 400,
        detail: error.message,
      },
      expected: true,
    };
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return {
      body: { type: `urn:problem:http_${status}`, title: error.name, status, detail: error.message },
      expected: true,
    };
  }
  return {
    body: {
      type: 'urn:problem:internal',
      title: 'Internal server error',
      status: Math.max(status, 500),
      detail: 'An unexpected error occurred; it has been logged with the request id',
    },
    expected: false,
  };
}

type ValidationIssue = NonNullable<FastifyError['validation']>[number];

/**
 * A value outside a list of literals (a TypeBox union of `Type.Literal`s: an `anyOf` of `const`s)
 * makes ajv report every `const` it failed plus the `anyOf`; the caller needs one line naming the
 * allowed values instead. An `enum` is reported the same way.
 */
function mergeAlternatives(issues: readonly ValidationIssue[]): ValidationIssue[] {
  const constsByPath = new Map<string, unknown[]>();
  for (const issue of issues) {
    if (issue.keyword !== 'const') continue;
    const values = constsByPath.get(issue.instancePath) ?? [];
    values.push((issue.params as { allowedValue?: unknown }).allowedValue);
    constsByPath.set(issue.instancePath, values);
  }
  const merged: ValidationIssue[] = [];
  for (const issue of issues) {
    const alternatives = constsByPath.get(issue.instancePath);
    if (issue.keyword === 'const' && alternatives && alternatives.length > 1) continue;
    if (issue.keyword === 'anyOf' && alternatives && alternatives.length > 1) {
      merged.push({ ...issue, message: `must be one of ${alternatives.join(', ')}` });
    } else if (issue.keyword === 'enum') {
      const allowed = (issue.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      merged.push({ ...issue, message: `must be one of ${allowed.join(', ')}` });
    } else merged.push(issue);
  }
  return merged;
}

function toFieldError(
  issue: NonNullable<FastifyError['validation']>[number],
  context: string | undefined,
): FieldError {
  const params = issue.params as Record<string, unknown>;
  const base = context && context !== 'body' ? `/${context}` : '';
  if (typeof params.missingProperty === 'string') {
    return { field: `${base}${issue.instancePath}/${params.missingProperty}`, message: 'is required' };
  }
  if (typeof params.additionalProperty === 'string') {
    return {
      field: `${base}${issue.instancePath}/${params.additionalProperty}`,
      message: 'is not an accepted field',
    };
  }
  return { field: `${base}${issue.instancePath}` || '/', message: issue.message ?? 'is invalid' };
}

export default fp(
  async function errorsPlugin(app: FastifyInstance) {
    // An outage is logged when it starts and when it ends, not once per request with a stack; it
    // ends after a quiet spell, not at the first request that slipped through.
    let outageSince: number | null = null;
    let lastUnavailableAt = 0;
    app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const { body, expected, unavailable } = toProblem(error);
      if (unavailable) {
        if (unavailable === 'database') lastUnavailableAt = Date.now();
        if (unavailable === 'database' && outageSince === null) {
          outageSince = Date.now();
          request.log.warn(
            { problem: body.type, error: String(error) },
            'database unavailable; answering 503',
          );
        } else request.log.info({ problem: body.type, status: body.status }, body.detail ?? body.title);
        if (unavailable === 'deadline') {
          // The handler goes on and settles later; its outcome is no longer this response's.
          reply.log = request.log.child({}, { level: 'silent' });
        }
        reply.header('retry-after', String(retryAfterSeconds));
      } else if (expected) {
        request.log.info({ problem: body.type, status: body.status }, body.detail ?? body.title);
      } else request.log.error({ err: error }, 'unhandled error');
      return sendProblem(request, reply, body);
    });
    app.addHook('onResponse', (request, reply, done) => {
      const quietMs = Date.now() - lastUnavailableAt;
      if (
        outageSince !== null &&
        quietMs > 5_000 &&
        reply.statusCode < 500 &&
        !request.routeOptions.config.operational
      ) {
        request.log.warn({ outageMs: Date.now() - outageSince }, 'database available again');
        outageSince = null;
      }
      done();
    });
    // Fastify answers 404 for a known path with an unsupported method; HTTP says 405 with
    // `Allow`. A second router of the same kind as Fastify's knows every path and its methods.
    const known = FindMyWay();
    app.addHook('onRoute', (route) => {
      if (route.url.includes('*')) return; // static assets and the CORS preflight
      for (const method of [route.method].flat()) {
        if (method !== 'OPTIONS' && !known.hasRoute(method as 'GET', route.url)) {
          known.on(method as 'GET', route.url, () => undefined);
        }
      }
    });
    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      const allowed = knownMethods.filter((method) => known.find(method, path));
      if (allowed.length > 0) {
        reply.header('allow', allowed.join(', '));
        return sendProblem(request, reply, {
          type: 'urn:problem:method_not_allowed',
          title: 'Method not allowed',
          status: 405,
          detail: `${request.method} is not supported on ${path}; use ${allowed.join(', ')}`,
        });
      }
      return sendProblem(request, reply, {
        type: 'urn:problem:not_found',
        title: 'Not found',
        status: 404,
        detail: `No route for ${request.method} ${path}`,
      });
    });
  },
  { name: 'errors' },
);

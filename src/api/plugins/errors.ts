import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError, type FieldError } from '../../domain/errors.js';
import { type Problem, sendProblem } from '../problem.js';

type ProblemBody = Omit<Problem, 'instance'>;

const domainStatus: Record<DomainError['kind'], { status: number; title: string }> = {
  validation: { status: 400, title: 'Validation failed' },
  not_found: { status: 404, title: 'Not found' },
  forbidden: { status: 403, title: 'Forbidden' },
  illegal_transition: { status: 409, title: 'Transition not allowed' },
  idempotency_conflict: { status: 422, title: 'Idempotency key reused' },
  concurrency_conflict: { status: 409, title: 'Concurrent modification' },
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
};

/** Maps every error to problem+json in one place: domain errors, validation, framework and unexpected ones. */
export function toProblem(error: FastifyError | Error): { body: ProblemBody; expected: boolean } {
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
        errors: fastifyError.validation.map((issue) => toFieldError(issue, fastifyError.validationContext)),
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
    app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const { body, expected } = toProblem(error);
      if (expected) request.log.info({ problem: body.type, status: body.status }, body.detail ?? body.title);
      else request.log.error({ err: error }, 'unhandled error');
      return sendProblem(request, reply, body);
    });
    app.setNotFoundHandler((request, reply) =>
      sendProblem(request, reply, {
        type: 'urn:problem:not_found',
        title: 'Not found',
        status: 404,
        detail: `No route for ${request.method} ${request.url.split('?')[0]}`,
      }),
    );
  },
  { name: 'errors' },
);

import { Type } from '@sinclair/typebox';
import { ProblemSchema } from './schemas.js';

/**
 * The pieces every operation shares in the OpenAPI document: one problem response per status,
 * each with realistic examples of what this service really sends, and the response headers.
 * Routes name the statuses their use case can answer (`problemResponses(403, 404)`); the
 * statuses the framework adds to every route (401, 429, 503, 400 …) are filled in by
 * `completeDocument` (openapi-document.ts), so a new route is described without extra work.
 */

type Example = { summary: string; value: Record<string, unknown> };

const problem = (
  status: number,
  kind: string,
  title: string,
  detail: string,
  instance: string,
  errors?: { field: string; message: string }[],
) => ({ type: `urn:problem:${kind}`, title, status, detail, instance, ...(errors && { errors }) });

const orderUrl = '/api/orders/0196f3a2-7c1e-7b3a-9f10-2f6d8e4c1a55';

/** Headers a response may carry, as components/headers entries. */
export const headerComponents = {
  XRequestId: {
    description:
      'The request id: the caller’s `X-Request-Id` when it was sane, otherwise a new UUID. Logged with every line about the request.',
    required: true,
    schema: { type: 'string', minLength: 1, maxLength: 128 },
    example: '7d4c1b8e-3f0a-4b59-9f8e-2c1d5a6b7e90',
  },
  Location: {
    description: 'Path of the created order',
    required: true,
    schema: { type: 'string', pattern: '^/api/orders/[0-9a-f-]{36}$' },
    example: orderUrl,
  },
  IdempotentReplayed: {
    description: 'Present (`true`) when this answer replays the first request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
    example: 'true',
  },
  WwwAuthenticate: {
    description: 'RFC 6750 bearer challenge; `error` says why a sent token was refused',
    required: true,
    schema: { type: 'string', pattern: '^Bearer ' },
    example: 'Bearer realm="order-service", error="invalid_token", error_description="Token has expired"',
  },
  RetryAfter: {
    description: 'Seconds to wait before retrying',
    required: true,
    schema: { type: 'string', pattern: '^[0-9]+$' },
    example: '10',
  },
  RateLimitLimit: {
    description:
      'Requests allowed per window for this client (RATE_LIMIT_MAX); absent when rate limiting is off',
    schema: { type: 'string', pattern: '^[0-9]+$' },
    example: '300',
  },
  RateLimitRemaining: {
    description: 'Requests left in the current window',
    schema: { type: 'string', pattern: '^[0-9]+$' },
    example: '299',
  },
  RateLimitReset: {
    description: 'Seconds until the window resets',
    schema: { type: 'string', pattern: '^[0-9]+$' },
    example: '60',
  },
} as const;

export type HeaderName = keyof typeof headerComponents;

const rateLimitHeaders: HeaderName[] = ['RateLimitLimit', 'RateLimitRemaining', 'RateLimitReset'];

/** Wire names of the header components. */
export const headerWireNames: Record<HeaderName, string> = {
  XRequestId: 'X-Request-Id',
  Location: 'Location',
  IdempotentReplayed: 'Idempotent-Replayed',
  WwwAuthenticate: 'WWW-Authenticate',
  RetryAfter: 'Retry-After',
  RateLimitLimit: 'X-RateLimit-Limit',
  RateLimitRemaining: 'X-RateLimit-Remaining',
  RateLimitReset: 'X-RateLimit-Reset',
};

interface ProblemStatus {
  name: string;
  description: string;
  headers?: HeaderName[];
  examples: Record<string, Example>;
}

/** Every problem status the service answers, with what it means and what it looks like. */
export const problemStatuses: Record<number, ProblemStatus> = {
  400: {
    name: 'BadRequest',
    description: 'The request is not valid: a field, a query parameter, a path parameter or the JSON itself',
    examples: {
      validation: {
        summary: 'A field breaks the schema',
        value: problem(
          400,
          'validation',
          'Validation failed',
          'The request body is not valid',
          '/api/orders',
          [{ field: '/items/0/quantity', message: 'must be >= 1' }],
        ),
      },
      enum: {
        summary: 'A value outside its list',
        value: problem(
          400,
          'validation',
          'Validation failed',
          'The request body is not valid',
          `${orderUrl}/status`,
          [
            {
              field: '/status',
              message: 'must be one of PENDING, CONFIRMED, PROCESSING, SHIPPED, DELIVERED, CANCELLED',
            },
          ],
        ),
      },
      unknownParameter: {
        summary: 'A query parameter the route does not take',
        value: problem(
          400,
          'validation',
          'Validation failed',
          'The request querystring is not valid',
          '/health/ready',
          [{ field: '/querystring/deep', message: 'is not an accepted field' }],
        ),
      },
      malformedJson: {
        summary: 'The body is not JSON',
        value: problem(
          400,
          'malformed_json',
          'Malformed JSON',
          "Body is not valid JSON but content-type is set to 'application/json'",
          '/api/orders',
        ),
      },
    },
  },
  401: {
    name: 'Unauthenticated',
    description: 'No bearer token, or one that is expired, badly signed or malformed',
    headers: ['WwwAuthenticate'],
    examples: {
      missing: {
        summary: 'No Authorization header',
        value: problem(
          401,
          'unauthenticated',
          'Unauthenticated',
          'Missing Authorization header',
          '/api/orders',
        ),
      },
      expired: {
        summary: 'An expired token',
        value: problem(401, 'unauthenticated', 'Unauthenticated', 'Token has expired', '/api/orders'),
      },
    },
  },
  403: {
    name: 'Forbidden',
    description: 'The token is valid but its subject or roles do not allow this',
    examples: {
      otherCustomer: {
        summary: 'A customer acting for another customer',
        value: problem(403, 'forbidden', 'Forbidden', 'You may only act on your own orders', '/api/orders'),
      },
    },
  },
  404: {
    name: 'NotFound',
    description: 'No such order (also answered for another customer’s order, so ids cannot be probed)',
    examples: {
      order: {
        summary: 'An unknown order id',
        value: problem(
          404,
          'not_found',
          'Not found',
          'Order 0196f3a2-7c1e-7b3a-9f10-2f6d8e4c1a55 was not found',
          orderUrl,
        ),
      },
    },
  },
  409: {
    name: 'Conflict',
    description: 'The state machine forbids this transition, or another request changed the order first',
    examples: {
      transition: {
        summary: 'A transition the lifecycle forbids',
        value: problem(
          409,
          'illegal_transition',
          'Transition not allowed',
          'An order cannot move from DELIVERED to CANCELLED',
          `${orderUrl}/status`,
        ),
      },
      concurrent: {
        summary: 'A concurrent change won',
        value: problem(
          409,
          'concurrency_conflict',
          'Concurrent modification',
          'Order 0196f3a2-7c1e-7b3a-9f10-2f6d8e4c1a55 was changed concurrently; retry the request',
          `${orderUrl}/status`,
        ),
      },
    },
  },
  413: {
    name: 'PayloadTooLarge',
    description: 'The body is larger than HTTP_BODY_LIMIT_BYTES',
    examples: {
      tooLarge: {
        summary: 'A body over the limit',
        value: problem(
          413,
          'body_too_large',
          'Request body too large',
          'Request body is too large',
          '/api/orders',
        ),
      },
    },
  },
  415: {
    name: 'UnsupportedMediaType',
    description: 'The body is not `application/json`',
    examples: {
      notJson: {
        summary: 'A form post',
        value: problem(
          415,
          'unsupported_media_type',
          'Unsupported media type',
          'Unsupported Media Type',
          '/api/orders',
        ),
      },
    },
  },
  422: {
    name: 'IdempotencyKeyReused',
    description: 'The Idempotency-Key was used before with a different body',
    examples: {
      reused: {
        summary: 'Same key, other body',
        value: problem(
          422,
          'idempotency_conflict',
          'Idempotency key reused',
          'This Idempotency-Key was already used with a different request body',
          '/api/orders',
        ),
      },
    },
  },
  429: {
    name: 'TooManyRequests',
    description:
      'This client (token subject, else address) sent more than RATE_LIMIT_MAX requests in the window',
    headers: ['RetryAfter', ...rateLimitHeaders],
    examples: {
      limited: {
        summary: 'Rate limited',
        value: problem(
          429,
          'rate_limited',
          'Too many requests',
          'Rate limit of 300 requests exceeded; retry in 1 minute',
          '/api/orders',
        ),
      },
    },
  },
  500: {
    name: 'InternalError',
    description: 'An unexpected failure; it is logged with the request id',
    examples: {
      internal: {
        summary: 'Unexpected failure',
        value: problem(
          500,
          'internal',
          'Internal server error',
          'An unexpected error occurred; it has been logged with the request id',
          '/api/orders',
        ),
      },
    },
  },
  503: {
    name: 'ServiceUnavailable',
    description:
      'The instance sheds load (event-loop delay or memory over its limit) or a dependency is unavailable; retry later',
    headers: ['RetryAfter'],
    examples: {
      overloaded: {
        summary: 'Load shedding',
        value: problem(503, 'overloaded', 'Service overloaded', 'Service Unavailable', '/api/orders'),
      },
    },
  },
};

/**
 * Error responses for a route's schema, keyed by their real media type so Fastify serializes
 * them with the Problem schema; the document gets each status's shared description, headers and
 * examples from `completeDocument`.
 */
export const problemResponses = (...statuses: (keyof typeof problemStatuses)[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: problemStatuses[status]?.description ?? 'RFC 9457 problem details',
        content: { 'application/problem+json': { schema: Type.Ref(ProblemSchema) } },
      },
    ]),
  );

/** components/responses: one per problem status. */
export function problemResponseComponents() {
  return Object.fromEntries(
    Object.values(problemStatuses).map(({ name, description, headers = [], examples }) => [
      name,
      {
        description,
        headers: Object.fromEntries(
          ['XRequestId', ...headers].map((header) => [
            headerWireNames[header as HeaderName],
            { $ref: `#/components/headers/${header}` },
          ]),
        ),
        content: {
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' }, examples },
        },
      },
    ]),
  );
}

export { rateLimitHeaders };

/**
 * A success response schema with the headers it carries, named as in `headerComponents`:
 * `201: withHeaders(Type.Ref(OrderSchema), 'Location')`.
 */
export function withHeaders<T extends object>(schema: T, ...headers: HeaderName[]): T {
  return {
    ...schema,
    headers: Object.fromEntries(
      headers.map((header) => [
        headerWireNames[header],
        { ...headerComponents[header].schema, description: headerComponents[header].description },
      ]),
    ),
  };
}

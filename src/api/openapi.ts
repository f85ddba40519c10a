import { transitions } from '../domain/order-status.js';
import {
  type HeaderName,
  headerComponents,
  headerWireNames,
  problemResponseComponents,
  problemStatuses,
  rateLimitHeaders,
} from './openapi-responses.js';

const lifecycleTable = [
  '| from | to | who may | note |',
  '|---|---|---|---|',
  ...transitions.map((t) => `| ${t.from} | ${t.to} | ${t.actors.join(', ')} | ${t.note} |`),
].join('\n');

const authentication = [
  '### Authentication',
  '',
  'Every `/api` route needs `Authorization: Bearer <JWT>`; health, metrics and these docs need none.',
  'The token’s `sub` is the customer id and `roles` a subset of `customer`, `service`, `admin`',
  '(`customer` when absent). A customer sees and changes only its own orders.',
  '',
  'Where the token comes from:',
  '- **Your identity provider** (production): set `JWT_JWKS_URL` (and `JWT_ISSUER`, `JWT_AUDIENCE`);',
  '  RS256/ES256 tokens it signs are accepted.',
  '- **A shared secret** (`JWT_SECRET`, HS256): print a token with',
  '  `npm run token -- --sub 123 --roles customer` (or `--roles service`, `--roles admin`,',
  '  `--expires <seconds>`). Without a configured secret the embedded shape generates one per',
  '  installation in `./data/jwt-secret`, which `npm run token` reads.',
  '',
  'In Swagger UI press **Authorize** and paste the token. A refused token answers 401 with a',
  '`WWW-Authenticate` challenge saying why.',
].join('\n');

/** The OpenAPI document's frame; paths and schemas come from the route definitions. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Order Service',
    version: '0.1.0',
    summary: 'Orders from creation to delivery, with an orchestrated saga over inventory and payment.',
    description: [
      'Order management: creation, status tracking and history, with an orchestrated saga that',
      'reserves inventory and takes payment. Errors are RFC 9457 `application/problem+json`; every',
      'response carries `X-Request-Id`. Money is a decimal number in the order’s currency (default USD).',
      '',
      authentication,
      '',
      '### Order lifecycle',
      '',
      lifecycleTable,
      '',
      '`saga` is this service’s own orchestrator: CONFIRMED is reached only when stock is reserved and payment taken.',
    ].join('\n'),
    contact: { name: 'order-service contributors', url: 'https://github.com/order-service/order-service' },
    license: { name: 'MIT', url: 'https://spdx.org/licenses/MIT.html' },
  },
  // Relative: the API is served by the same instance as this document, wherever it is deployed.
  servers: [{ url: '/', description: 'The instance serving this document' }],
  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http' as const,
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'A JWT from your identity provider (JWT_JWKS_URL) or, with JWT_SECRET, from `npm run token -- --sub 123 --roles customer`.',
      },
    },
  },
  security: [{ bearerAuth: [] }],
  tags: [
    { name: 'orders', description: 'Place, read and move orders' },
    { name: 'analytics', description: 'Counts, revenue and best sellers for the admin and service roles' },
    { name: 'operations', description: 'Health and metrics (no token needed)' },
    {
      name: 'admin',
      description: 'Dead letters and the operations overview for the operator console (admin role)',
    },
  ],
};

type Json = Record<string, unknown>;
interface Response extends Json {
  $ref?: string;
  headers?: Record<string, Json>;
  content?: Record<string, { schema?: Json; example?: unknown; examples?: unknown }>;
}
interface Operation extends Json {
  operationId?: string;
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, Response>;
}

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const headerByWireName = new Map(
  Object.entries(headerWireNames).map(([name, wire]) => [wire.toLowerCase(), name as HeaderName]),
);

/**
 * Finishes the generated document (@fastify/swagger's transformObject): what the framework
 * answers on every route — 401 behind authentication, 429 from the rate limiter, 503 from load
 * shedding, 400 for any validated input, 413/415 for a body, 500 — is added to each operation,
 * every problem status points at its shared response with examples, and headers point at their
 * shared definitions. A route added later is covered without naming any of this.
 */
export function completeDocument<T extends object>(document: T): T {
  const doc = document as Json;
  const components = (doc.components ?? {}) as Json & { schemas?: Record<string, Json> };
  const schemas = components.schemas ?? {};
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of methods) {
      const operation = item[method];
      if (!operation) continue;
      operation.operationId ??= operationIdOf(method, path);
      operation.description ??= operation.summary;
      const authenticated = operation.security === undefined;
      const automatic = [
        ...(operation.parameters?.length || operation.requestBody ? [400] : []),
        ...(operation.requestBody ? [413, 415] : []),
        ...(authenticated ? [401, 429, 503] : []),
        500,
      ];
      for (const status of automatic) operation.responses[status] ??= {};
      for (const [status, response] of Object.entries(operation.responses)) {
        const shared = problemStatuses[Number(status)];
        const isProblem = response.content === undefined || 'application/problem+json' in response.content;
        if (shared && isProblem) {
          operation.responses[status] = { $ref: `#/components/responses/${shared.name}` };
          continue;
        }
        response.headers = {
          ...headerRefs(response.headers),
          'X-Request-Id': { $ref: '#/components/headers/XRequestId' },
          ...(authenticated && Object.fromEntries(rateLimitHeaders.map((h) => [headerWireNames[h], ref(h)]))),
        };
        for (const media of Object.values(response.content ?? {})) exampleFromComponent(media, schemas);
      }
    }
  }
  doc.components = {
    ...components,
    responses: problemResponseComponents(),
    headers: headerComponents,
  };
  return document;
}

const ref = (header: HeaderName) => ({ $ref: `#/components/headers/${header}` });

/** Headers a route declared by wire name (`Location`) become references to the shared definitions. */
function headerRefs(headers: Record<string, Json> = {}): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(headers).map(([wire, header]) => {
      const shared = headerByWireName.get(wire.toLowerCase());
      return shared ? [headerWireNames[shared], ref(shared)] : [wire, header];
    }),
  );
}

/** A response whose schema is a shared component shows that component's example. */
function exampleFromComponent(
  media: { schema?: Json; example?: unknown; examples?: unknown },
  schemas: Record<string, Json>,
) {
  if (media.example !== undefined || media.examples !== undefined) return;
  const name = typeof media.schema?.$ref === 'string' ? media.schema.$ref.split('/').pop() : undefined;
  const examples = name ? schemas[name]?.examples : undefined;
  if (Array.isArray(examples) && examples.length > 0) media.example = examples[0];
}

/** `get /api/orders/{orderId}/timeline` → `getOrderTimeline`-like ids for routes that name none. */
function operationIdOf(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((segment) => segment && segment !== 'api')
    .map((segment) =>
      segment.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c = '') => c.toUpperCase()),
    );
  return [method, ...words]
    .map((word, i) => (i === 0 ? word : word[0]?.toUpperCase() + word.slice(1)))
    .join('');
}

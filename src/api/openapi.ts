import { transitions } from '../domain/order-status.js';

const lifecycleTable = [
  '| from | to | who may | note |',
  '|---|---|---|---|',
  ...transitions.map((t) => `| ${t.from} | ${t.to} | ${t.actors.join(', ')} | ${t.note} |`),
].join('\n');

/** The OpenAPI document's frame; paths and schemas come from the route definitions. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Order Service',
    version: '0.1.0',
    description: [
      'Order management: creation, status tracking and history, with an orchestrated saga that',
      'reserves inventory and takes payment. Every `/api` route needs `Authorization: Bearer <JWT>`',
      '(claims: `sub` = customer id, `roles` ⊆ customer, service, admin). A customer sees and changes',
      'only its own orders. Errors are RFC 9457 `application/problem+json`.',
      '',
      '### Order lifecycle',
      '',
      lifecycleTable,
      '',
      '`saga` is this service’s own orchestrator: CONFIRMED is reached only when stock is reserved and payment taken.',
    ].join('\n'),
  },
  components: {
    securitySchemes: { bearerAuth: { type: 'http' as const, scheme: 'bearer', bearerFormat: 'JWT' } },
  },
  security: [{ bearerAuth: [] }],
  tags: [
    { name: 'orders', description: 'Place, read and move orders' },
    { name: 'operations', description: 'Health and metrics (no token needed)' },
  ],
};

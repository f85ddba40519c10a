import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderStatuses } from '../../../src/domain/order-status.js';
import { type Api, startApi } from './api-kit.js';

type Schema = Record<string, unknown>;
interface Operation {
  operationId?: string;
  parameters?: { name: string }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { $ref?: string; content: Record<string, { schema: Schema }> }>;
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, unknown>;
    schemas: Record<string, Schema>;
    responses: Record<string, { content: Record<string, { schema: Schema; examples: Schema }> }>;
  };
  security: unknown;
}

/** The document does not depend on the database, so one run on SQLite covers it. */
describe('the OpenAPI document', () => {
  let api: Api;
  let doc: OpenApi;
  beforeAll(async () => {
    api = await startApi('sqlite', { saga: false });
    doc = (await api.t.service.app.inject({ url: '/openapi.json' })).json();
  });
  afterAll(async () => api?.close());

  it('is served as OpenAPI 3.1 JSON without a token', async () => {
    const response = await api.t.service.app.inject({ url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  });

  it('describes each of the brief’s routes with its method', () => {
    expect(Object.keys(doc.paths['/api/orders'] ?? {})).toContain('post');
    expect(Object.keys(doc.paths['/api/orders/{orderId}'] ?? {})).toContain('get');
    expect(Object.keys(doc.paths['/api/orders/{orderId}/status'] ?? {})).toContain('put');
    expect(Object.keys(doc.paths['/api/customers/{customerId}/orders'] ?? {})).toContain('get');
  });

  it('declares the bearer JWT security scheme and requires it', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
  });

  it('defines the Problem schema and documents errors as application/problem+json', () => {
    expect(doc.components.schemas.Problem?.properties).toMatchObject({
      type: expect.any(Object),
      title: expect.any(Object),
      status: expect.any(Object),
      detail: expect.any(Object),
      instance: expect.any(Object),
      errors: expect.any(Object),
    });
    expect(doc.paths['/api/orders']?.post?.responses['400']).toEqual({
      $ref: '#/components/responses/BadRequest',
    });
    expect(doc.components.responses.BadRequest?.content['application/problem+json']?.schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
  });

  it('carries the brief’s example order', () => {
    const body = doc.paths['/api/orders']?.post?.requestBody?.content['application/json'];
    expect(JSON.stringify(body)).toContain('"zipCode":"02108"');
    expect(JSON.stringify(body)).toContain('"price":29.99');
  });

  it('documents the Idempotency-Key header on POST', () => {
    const names = doc.paths['/api/orders']?.post?.parameters?.map((p) => p.name.toLowerCase());
    expect(names).toContain('idempotency-key');
  });

  it('lists every order status and the transition table', () => {
    expect(JSON.stringify(doc.components.schemas.OrderStatus)).toSatisfy((text: string) =>
      orderStatuses.every((status) => text.includes(status)),
    );
    expect(doc.info.description).toContain('| PROCESSING | SHIPPED | service, admin |');
  });

  it('gives every operation an operationId, and each problem status its own example', () => {
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    expect(operations.every((operation) => typeof operation.operationId === 'string')).toBe(true);
    const firstExamples = Object.values(doc.components.responses).map((response) =>
      JSON.stringify(Object.values(response.content['application/problem+json']?.examples ?? {})[0]),
    );
    expect(new Set(firstExamples).size).toBe(firstExamples.length);
  });

  it('does not call a defaulted query parameter required', () => {
    const parameters = Object.values(doc.paths).flatMap((item) =>
      Object.values(item).flatMap((operation) => operation.parameters ?? []),
    ) as { name: string; in: string; required?: boolean; schema: Schema }[];
    const defaulted = parameters.filter((p) => p.in === 'query' && p.schema.default !== undefined);
    expect(defaulted.map((p) => p.name)).toEqual(expect.arrayContaining(['page', 'limit', 'interval']));
    expect(defaulted.filter((p) => p.required)).toEqual([]);
  });

  it('declares 401, 429 and 503 with their headers on every authenticated operation', () => {
    const order = doc.paths['/api/orders/{orderId}']?.get?.responses ?? {};
    expect(order['401']).toEqual({ $ref: '#/components/responses/Unauthenticated' });
    expect(order['429']).toEqual({ $ref: '#/components/responses/TooManyRequests' });
    expect(order['503']).toEqual({ $ref: '#/components/responses/ServiceUnavailable' });
    expect(JSON.stringify(doc.components.responses.TooManyRequests)).toContain('Retry-After');
    expect(JSON.stringify(doc.components.responses.Unauthenticated)).toContain('WWW-Authenticate');
    expect(JSON.stringify(doc.paths['/api/orders']?.post?.responses['201'])).toContain('Location');
  });

  it('says how to get a token', () => {
    expect(doc.info.description).toContain('npm run token -- --sub 123 --roles customer');
  });

  it('serves Swagger UI as HTML at /docs', async () => {
    const response = await api.t.service.app.inject({ url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('swagger-ui');
  });
});

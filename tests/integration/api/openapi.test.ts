import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderStatuses } from '../../../src/domain/order-status.js';
import { type Api, startApi } from './api-kit.js';

type Schema = Record<string, unknown>;
interface Operation {
  parameters?: { name: string }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content: Record<string, { schema: Schema }> }>;
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, Schema> };
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
    expect(Object.keys(doc.paths['/api/orders/history/{customerId}'] ?? {})).toContain('get');
  });

  it('declares the bearer JWT security scheme and requires it', () => {
    expect(doc.components.securitySchemes.bearerAuth).toEqual({
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
    const badRequest = doc.paths['/api/orders']?.post?.responses['400'];
    expect(badRequest?.content['application/problem+json']?.schema).toEqual({
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

  it('serves Swagger UI as HTML at /docs', async () => {
    const response = await api.t.service.app.inject({ url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('swagger-ui');
  });
});

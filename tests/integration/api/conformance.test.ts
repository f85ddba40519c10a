import type { FastifyReply, FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiConformance } from '../../support/openapi-conformance.js';
import { type Api, startApi } from './api-kit.js';

/** The check every test's responses go through (tests/support/test-service.ts), shown to bite. */
describe('the OpenAPI conformance check of every test response', () => {
  let api: Api;
  let check: ReturnType<typeof openApiConformance>['check'];
  beforeAll(async () => {
    api = await startApi('sqlite', { saga: false });
    const document = (await api.t.service.app.inject({ url: '/openapi.json' })).json();
    check = openApiConformance(() => document).check;
  });
  afterAll(async () => api?.close());

  const exchange = (
    method: string,
    url: string | undefined,
    status: number,
    headers: Record<string, string>,
    extra: Record<string, unknown> = {},
  ) =>
    [
      {
        method,
        url: '/x',
        routeOptions: { url, config: {}, schema: {} },
        ...extra,
      } as unknown as FastifyRequest,
      {
        statusCode: status,
        getHeader: (name: string) => headers[name.toLowerCase()],
      } as unknown as FastifyReply,
    ] as const;
  const problemHeaders = { 'content-type': 'application/problem+json', 'x-request-id': 'r-1' };
  const problem = JSON.stringify({ type: 'urn:problem:x', title: 'X', status: 404 });

  it('passes a documented problem response', () => {
    const [request, reply] = exchange('GET', '/api/orders/:orderId', 404, problemHeaders);
    expect(check(request, reply, problem)).toEqual([]);
  });

  it('flags a status the operation does not declare', () => {
    const [request, reply] = exchange('GET', '/api/orders/:orderId', 418, problemHeaders);
    expect(check(request, reply, problem)).toEqual(['418 is not documented for GET /api/orders/{orderId}']);
  });

  it('flags a body that breaks the schema', () => {
    const headers = { 'content-type': 'application/json', 'x-request-id': 'r-1' };
    const [request, reply] = exchange('GET', '/api/orders/:orderId', 200, headers);
    expect(check(request, reply, JSON.stringify({ id: 'not-an-order' })).join()).toContain(
      "must have required property 'status'",
    );
  });

  it('flags a missing required header', () => {
    const [request, reply] = exchange('GET', '/api/orders/:orderId', 401, problemHeaders);
    expect(check(request, reply, problem)).toEqual(['required header WWW-Authenticate is missing']);
  });

  it('flags an undeclared media type', () => {
    const [request, reply] = exchange('GET', '/api/orders/:orderId', 404, {
      'content-type': 'text/html',
      'x-request-id': 'r',
    });
    expect(check(request, reply, '<html>').join()).toContain('text/html is not declared');
  });

  it('flags an unmatched request answered other than 404 or 405', () => {
    const [request, reply] = exchange('GET', undefined, 200, problemHeaders);
    expect(check(request, reply, problem)).toContain('unmatched request answered 200');
  });
});

import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, testSecret } from '../../support/test-service.js';
import { type Api, databases, expectProblem, orderBody, startApi } from './api-kit.js';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe.each(databases)('authentication on %s', (kind, available) => {
  let api: Api;
  let orderId: string;
  beforeAll(async () => {
    if (!available) return;
    api = await startApi(kind);
    orderId = (await api.as('123').placeOrder(orderBody())).id;
  });
  afterAll(async () => api?.close());

  const getWith = (authorization?: string) =>
    api.t.service.app.inject({
      method: 'GET',
      url: `/api/orders/${orderId}`,
      headers: authorization === undefined ? {} : { authorization },
    });

  const expectUnauthenticated = async (authorization?: string) => {
    const response = await getWith(authorization);
    const problem = expectProblem(response, 401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="order-service"/);
    expect(response.body).not.toContain('123 Main St');
    return { problem, challenge: String(response.headers['www-authenticate']) };
  };

  it.skipIf(!available)('accepts a valid HS256 token', async () => {
    expect((await getWith(`Bearer ${await signToken({ sub: '123', roles: ['customer'] })}`)).statusCode).toBe(
      200,
    );
  });

  it.skipIf(!available)('answers 401 without an Authorization header', async () => {
    const { challenge } = await expectUnauthenticated();
    expect(challenge).not.toContain('error=');
  });

  it.skipIf(!available)('answers 401 to every /api route without a token', async () => {
    const app = api.t.service.app;
    const responses = await Promise.all([
      app.inject({ method: 'POST', url: '/api/orders', payload: orderBody() }),
      app.inject({ method: 'PUT', url: `/api/orders/${orderId}/status`, payload: { status: 'CANCELLED' } }),
      app.inject({ method: 'GET', url: '/api/orders/history/123' }),
    ]);
    for (const response of responses) expectProblem(response, 401);
    expect((await api.as('123').getOrder(orderId)).json().status).not.toBe('CANCELLED');
  });

  it.skipIf(!available)('answers 401 for a header that is not a bearer token', async () => {
    const { challenge } = await expectUnauthenticated('Basic dXNlcjpwYXNz');
    expect(challenge).toContain('error="invalid_request"');
    await expectUnauthenticated('Bearer');
    await expectUnauthenticated('Bearer not-a-jwt');
  });

  it.skipIf(!available)('answers 401 for an expired token', async () => {
    const token = await signToken({ sub: '123' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const { challenge } = await expectUnauthenticated(`Bearer ${token}`);
    expect(challenge).toContain('error="invalid_token"');
  });

  it.skipIf(!available)('answers 401 for a token signed with another secret', async () => {
    await expectUnauthenticated(
      `Bearer ${await signToken({ sub: '123' }, { secret: 'another-secret-that-is-long-enough-000000' })}`,
    );
  });

  it.skipIf(!available)('answers 401 for an unsigned token (alg none)', async () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: '123', roles: ['admin'], exp: inAnHour() })}.`;
    await expectUnauthenticated(`Bearer ${token}`);
  });

  it.skipIf(!available)(
    'answers 401 for HS512 when only HS256 is allowed, even with the right secret',
    async () => {
      await expectUnauthenticated(`Bearer ${await signToken({ sub: '123' }, { alg: 'HS512' })}`);
    },
  );

  it.skipIf(!available)('answers 401 for an RS256 token, whatever its key', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('123')
      .setExpirationTime('5m')
      .sign(privateKey);
    await expectUnauthenticated(`Bearer ${token}`);
  });

  it.skipIf(!available)('answers 401 for a token without exp', async () => {
    const token = await new SignJWT({ roles: ['customer'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('123')
      .sign(new TextEncoder().encode(testSecret));
    await expectUnauthenticated(`Bearer ${token}`);
  });

  it.skipIf(!available)('answers 401 for a token without sub', async () => {
    await expectUnauthenticated(`Bearer ${await signToken({ roles: ['admin'] })}`);
  });

  it.skipIf(!available)('answers 401 for a token with no role it knows', async () => {
    await expectUnauthenticated(`Bearer ${await signToken({ sub: '123', roles: ['superuser'] })}`);
    await expectUnauthenticated(`Bearer ${await signToken({ sub: '123', roles: 'admin' })}`);
  });

  it.skipIf(!available)('treats a token without roles as a customer', async () => {
    const token = await signToken({ sub: '456' });
    const response = await api.t.service.app.inject({
      method: 'GET',
      url: '/api/orders/history/123',
      headers: { authorization: `Bearer ${token}` },
    });
    expectProblem(response, 403);
  });

  it.skipIf(!available)('leaves the API description open', async () => {
    expect((await api.t.service.app.inject({ url: '/openapi.json' })).statusCode).toBe(200);
  });
});

describe.each(databases)('authentication with an issuer and audience on %s', (kind, available) => {
  let api: Api;
  beforeAll(async () => {
    if (!available) return;
    api = await startApi(kind, { env: { JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'orders' } });
  });
  afterAll(async () => api?.close());

  const historyWith = async (claims: { iss?: string; aud?: string }) =>
    api.t.service.app.inject({
      method: 'GET',
      url: '/api/orders/history/123',
      headers: { authorization: `Bearer ${await signToken({ sub: '123', ...claims })}` },
    });

  it.skipIf(!available)(
    'accepts a token from the configured issuer for the configured audience',
    async () => {
      expect((await historyWith({ iss: 'https://id.example', aud: 'orders' })).statusCode).toBe(200);
    },
  );

  it.skipIf(!available)('answers 401 for another issuer or audience', async () => {
    expectProblem(await historyWith({ iss: 'https://evil.example', aud: 'orders' }), 401);
    expectProblem(await historyWith({ iss: 'https://id.example', aud: 'billing' }), 401);
    expectProblem(await historyWith({}), 401);
  });
});

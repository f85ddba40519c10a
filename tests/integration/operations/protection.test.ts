import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/test-service.js';

describe('rate limiting', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService('sqlite', { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
  });
  afterAll(async () => t?.stop());

  const getOrder = async (subject: string) =>
    t.service.app.inject({
      url: '/api/orders/0190c9a0-0000-7000-8000-000000000000',
      headers: { authorization: await t.bearer(subject) },
    });

  it('answers 429 problem+json with Retry-After once a client used its quota', async () => {
    for (let i = 0; i < 3; i++) expect((await getOrder('greedy')).statusCode).toBe(404);
    const refused = await getOrder('greedy');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json()).toMatchObject({ type: 'urn:problem:rate_limited', status: 429 });
  });

  it('limits each token subject separately, even from the same address', async () => {
    for (let i = 0; i < 4; i++) await getOrder('noisy');
    expect((await getOrder('quiet')).statusCode).toBe(404);
  });

  it('never limits health checks and scrapes', async () => {
    for (let i = 0; i < 5; i++)
      expect((await t.service.app.inject({ url: '/health/live' })).statusCode).toBe(200);
    expect((await t.service.app.inject({ url: '/metrics' })).statusCode).toBe(200);
  });
});

describe('headers', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService('sqlite', { CORS_ORIGINS: 'https://shop.example.com' });
  });
  afterAll(async () => t?.stop());

  it('returns the caller’s x-request-id, and makes one up when none or a bad one is sent', async () => {
    const given = await t.service.app.inject({
      url: '/health/live',
      headers: { 'x-request-id': 'trace-42.a:b' },
    });
    expect(given.headers['x-request-id']).toBe('trace-42.a:b');
    const none = await t.service.app.inject({ url: '/health/live' });
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await t.service.app.inject({
      url: '/health/live',
      headers: { 'x-request-id': 'no spaces <allowed>' },
    });
    expect(bad.headers['x-request-id']).not.toBe('no spaces <allowed>');
  });

  it('sends security headers, with a CSP that lets /docs load its own assets', async () => {
    const docs = await t.service.app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['x-content-type-options']).toBe('nosniff');
    expect(docs.headers['x-frame-options']).toBe('SAMEORIGIN');
    const csp = String(docs.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    // Swagger UI's page loads only scripts served from /docs itself.
    const scripts = [...docs.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) expect(src).not.toMatch(/^(https?:)?\/\//);
  });

  it('sends OWASP’s API headers on API answers, problem answers and unknown routes', async () => {
    const answers = [
      await t.service.app.inject({ url: '/health/live' }),
      await t.service.app.inject({ url: '/api/orders/00000000-0000-4000-8000-000000000000' }),
      await t.service.app.inject({ url: '/no-such-route' }),
      await t.service.app.inject({ url: '/openapi.json' }),
    ];
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 401, 404, 200]);
    for (const answer of answers) {
      expect(answer.headers).toMatchObject({
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      });
      // helmet's page headers (script sources, prefetching, …) say nothing about JSON.
      expect(answer.headers['x-dns-prefetch-control']).toBeUndefined();
      expect(answer.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('keeps helmet’s page headers, and no no-store, for /docs, which a browser renders', async () => {
    for (const url of ['/docs', '/docs/', '/docs/static/index.css']) {
      const page = await t.service.app.inject({ url });
      expect(page.statusCode, url).toBeLessThan(400);
      expect(page.headers['x-frame-options'], url).toBe('SAMEORIGIN');
      expect(page.headers['x-dns-prefetch-control'], url).toBe('off');
      expect(page.headers['cache-control'], url).not.toBe('no-store');
    }
    // A path that only begins like the pages' is an API answer.
    const lookalike = await t.service.app.inject({ url: '/docsomething' });
    expect(lookalike.headers['x-frame-options']).toBe('DENY');
  });

  it('answers CORS preflights for the configured origins only', async () => {
    const preflight = (origin: string) =>
      t.service.app.inject({
        method: 'OPTIONS',
        url: '/api/orders',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    expect((await preflight('https://shop.example.com')).headers['access-control-allow-origin']).toBe(
      'https://shop.example.com',
    );
    expect(
      (await preflight('https://evil.example.com')).headers['access-control-allow-origin'],
    ).toBeUndefined();
  });
});

describe('load shedding', () => {
  it('answers 503 problem+json with Retry-After above the memory limit, but keeps health answering', async () => {
    const t = await startTestService('sqlite', { HEALTH_MEMORY_LIMIT_MB: '16' });
    try {
      const auth = await t.bearer('someone');
      await expect
        .poll(
          async () =>
            (await t.service.app.inject({ url: '/api/orders/x', headers: { authorization: auth } }))
              .statusCode,
        )
        .toBe(503);
      const shed = await t.service.app.inject({ url: '/api/orders/x', headers: { authorization: auth } });
      expect(shed.headers['content-type']).toContain('application/problem+json');
      expect(shed.headers['retry-after']).toBe('10');
      expect(shed.json()).toMatchObject({ type: 'urn:problem:overloaded', status: 503 });
      expect((await t.service.app.inject({ url: '/health/live' })).statusCode).toBe(200);
    } finally {
      await t.stop();
    }
  });
});

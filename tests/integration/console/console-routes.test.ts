import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleContentSecurityPolicy } from '../../../src/api/routes/console.js';
import { startTestService, type TestService } from '../../support/test-service.js';

// Load shedding is tested elsewhere; a busy shared machine must not turn these into 503s.
const relaxed = {
  RATE_LIMIT_MAX: '0',
  HEALTH_EVENT_LOOP_DELAY_MS: '60000',
  HEALTH_MEMORY_LIMIT_MB: '100000',
};

describe('the console routes', () => {
  let test: TestService;
  let development: TestService;
  beforeAll(async () => {
    test = await startTestService('sqlite', relaxed);
    development = await startTestService('sqlite', {
      ENV: 'development',
      RATE_LIMIT_MAX: '0',
      LOG_LEVEL: 'silent',
    });
  });
  afterAll(async () => {
    await test.stop();
    await development.stop();
  });

  it('redirects / to /console', async () => {
    const response = await test.service.app.inject({ url: '/' });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/console');
  });

  it('serves the page and its assets under a CSP without inline script or style', async () => {
    const page = await test.service.app.inject({ url: '/console' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toBe(consoleContentSecurityPolicy);
    expect(consoleContentSecurityPolicy).toMatch(/script-src 'self';/);
    expect(consoleContentSecurityPolicy).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(page.body).not.toMatch(/<script>|<style>|style="/);
    const script = await test.service.app.inject({ url: '/console/assets/app.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
  });

  it('has no token-minting route outside development', async () => {
    const response = await test.service.app.inject({
      method: 'POST',
      url: '/console/dev-token',
      payload: {},
    });
    expect(response.statusCode).toBe(404);
    expect((await test.service.app.inject({ url: '/console/settings.json' })).json()).toEqual({
      devToken: false,
    });
  });

  it('mints an admin token the API accepts in development', async () => {
    const minted = await development.service.app.inject({
      method: 'POST',
      url: '/console/dev-token',
      payload: {},
    });
    expect(minted.statusCode).toBe(200);
    const operations = await development.service.app.inject({
      url: '/api/admin/operations',
      headers: { authorization: `Bearer ${minted.json().token}` },
    });
    expect(operations.statusCode).toBe(200);
    expect(operations.json()).toMatchObject({
      outbox: { backlog: 0 },
      deadLetters: { pending: 0 },
      stuckSagas: [],
      stockCommits: { awaiting: 0, retrying: 0, failed: [] },
    });
  });

  it('refuses the operations overview to non-admins with 403', async () => {
    const response = await test.service.app.inject({
      url: '/api/admin/operations',
      headers: { authorization: await test.bearer('fulfilment', ['service']) },
    });
    expect(response.statusCode).toBe(403);
  });
});

import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { SignJWT } from 'jose';
import type { Role } from '../../src/application/access.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createService, type Service, type ServiceOptions } from '../../src/service.js';
import { createTestDatabase, mysqlServer } from './database.js';
import { openApiConformance } from './openapi-conformance.js';

export const testSecret = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export type DatabaseKind = 'sqlite' | 'mysql';

export interface TestService {
  service: Service;
  /** A valid bearer header for this service. */
  bearer(subject: string, roles?: Role[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the real service (Fastify app, unit of work, saga, in-process bus and simulators) on
 * an in-memory SQLite database or a fresh MariaDB database. `env` overrides any variable.
 */
export async function startTestService(
  kind: DatabaseKind,
  env: Record<string, string> = {},
  options: { background?: boolean; waitForBroker?: boolean; tracing?: ServiceOptions['tracing'] } = {},
): Promise<TestService> {
  const database = kind === 'mysql' ? await createTestDatabase() : null;
  const config = loadConfig({
    ENV: 'test',
    JWT_SECRET: testSecret,
    // Other test processes share this small machine; a busy event loop must not turn answers into
    // load-shedding 503s (a loop blocked for a whole sample counts as infinitely late), so the
    // harness turns event-loop shedding off; the protection tests set their own limits.
    HEALTH_EVENT_LOOP_DELAY_MS: '0',
    // Tests that keep orders PENDING (saga off) place more than the default backlog limit; the
    // back-pressure tests set their own.
    SAGA_BACKLOG_LIMIT: '0',
    SQLITE_PATH: ':memory:',
    ...(database && { ...mysqlServer(), MYSQL_DATABASE: database.name, MYSQL_POOL_SIZE: '8' }),
    ...env,
  });
  const logger = createLogger({ env: 'test', logLevel: (process.env.TEST_LOG_LEVEL as 'info') ?? 'silent' });
  const { observeResponse, failures } = conformanceCheck(
    () => service.app.swagger() as Record<string, unknown>,
  );
  const service = await createService(config, logger, { migrate: true, ...options, observeResponse });
  failOnUndocumentedResponses(service.app, failures);
  // Tests start on a connected broker unless they test the start-up without one.
  if (config.rabbitmq && options.waitForBroker !== false) await service.bus.whenConnected(10_000);
  await untilNotShedding(service);
  return {
    service,
    bearer: async (subject, roles = ['customer']) => `Bearer ${await signToken({ sub: subject, roles })}`,
    async stop() {
      await service.stop();
      await database?.drop();
      // Responses that went out over a real socket have no inject call to fail: report them here.
      const left = [...failures.values()].flat();
      if (left.length > 0)
        throw new Error(`responses the OpenAPI document does not describe:\n${left.join('\n')}`);
    },
  };
}

/** Signs a token with the test secret; every claim can be overridden to build bad tokens. */
export async function signToken(
  claims: { sub?: string; roles?: unknown; iss?: string; aud?: string },
  options: { expiresIn?: string | number; secret?: string; alg?: string } = {},
): Promise<string> {
  const { sub, ...rest } = claims;
  const jwt = new SignJWT(rest as Record<string, unknown>)
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m');
  if (sub !== undefined) jwt.setSubject(sub);
  return jwt.sign(new TextEncoder().encode(options.secret ?? testSecret));
}

/**
 * Load shedding measures the event loop over the last second, and a start-up on a busy machine
 * (module loading, migrations) can block it that long: requests made at once would get 503
 * "overloaded". Waits, bounded, until an API request gets past it.
 */
async function untilNotShedding(service: Service): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const response = await service.app.inject({ url: '/api/orders/not-shedding' });
    if (response.statusCode !== 503) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Every response the service sends is checked against the OpenAPI document it serves; what does
 * not conform is kept by request id until the test that received it is failed.
 */
function conformanceCheck(document: () => Record<string, unknown>) {
  const conformance = openApiConformance(document);
  const failures = new Map<string, string[]>();
  const observeResponse: NonNullable<ServiceOptions['observeResponse']> = (request, reply, payload) => {
    const problems = conformance.check(request, reply, payload);
    if (problems.length > 0) {
      failures.set(
        request.id,
        problems.map((p) => `${request.method} ${request.url} → ${reply.statusCode}: ${p}`),
      );
    }
  };
  return { observeResponse, failures };
}

/** `app.inject` answers as before, and throws in the calling test when the answer is undocumented. */
function failOnUndocumentedResponses(app: FastifyInstance, failures: Map<string, string[]>) {
  const inject = app.inject.bind(app) as (options: InjectOptions) => Promise<LightMyRequestResponse>;
  app.inject = (async (options: InjectOptions) => {
    const response = await inject(options);
    const id = String(response.headers['x-request-id'] ?? '');
    const problems = failures.get(id);
    if (problems) {
      failures.delete(id);
      throw new Error(`the OpenAPI document does not describe this response:\n${problems.join('\n')}`);
    }
    return response;
  }) as FastifyInstance['inject'];
}

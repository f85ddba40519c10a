import { SignJWT } from 'jose';
import type { Role } from '../../src/application/access.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createService, type Service } from '../../src/service.js';
import { createTestDatabase, mysqlServer } from './database.js';

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
  options: { background?: boolean } = {},
): Promise<TestService> {
  const database = kind === 'mysql' ? await createTestDatabase() : null;
  const config = loadConfig({
    ENV: 'test',
    JWT_SECRET: testSecret,
    SQLITE_PATH: ':memory:',
    // Shedding load on event-loop delay would turn requests into 503s whenever other test files
    // keep this 2-core machine busy; a test of load shedding sets its own limits.
    HEALTH_EVENT_LOOP_DELAY_MS: '600000',
    ...(database && { ...mysqlServer(), MYSQL_DATABASE: database.name, MYSQL_POOL_SIZE: '8' }),
    ...env,
  });
  const logger = createLogger({ env: 'test', logLevel: (process.env.TEST_LOG_LEVEL as 'info') ?? 'silent' });
  const service = await createService(config, logger, { migrate: true, ...options });
  return {
    service,
    bearer: async (subject, roles = ['customer']) => `Bearer ${await signToken({ sub: subject, roles })}`,
    async stop() {
      await service.stop();
      await database?.drop();
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

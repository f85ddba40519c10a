import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createService } from '../src/service.js';

/**
 * The document exactly as a running service serves it: an embedded service on an in-memory
 * database is built (never listening), asked for /openapi.json and stopped.
 */
export async function servedOpenApiDocument(): Promise<unknown> {
  const config = loadConfig({
    ENV: 'test',
    SQLITE_PATH: ':memory:',
    JWT_SECRET: randomBytes(32).toString('hex'),
  });
  const service = await createService(config, createLogger({ env: 'test', logLevel: 'silent' }), {
    migrate: true,
    background: false,
  });
  try {
    const response = await service.app.inject({ url: '/openapi.json' });
    return response.json();
  } finally {
    await service.stop();
  }
}

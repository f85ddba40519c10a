import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createService } from './service.js';

// A local .env is a convenience for development; real deployments set the environment.
try {
  process.loadEnvFile();
} catch {
  // no .env file
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const logger = createLogger(config);
const service = await createService(config, logger);
await service.app.listen({ port: config.port, host: config.host });
logger.info(
  { database: config.database.kind, broker: config.rabbitmq ? 'rabbitmq' : 'in-process', docs: '/docs' },
  'order service ready',
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    deadline.unref();
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

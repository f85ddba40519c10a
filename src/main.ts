import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { withInstallationSecret } from './infrastructure/installation-secret.js';
import { createLogger } from './logger.js';
import { exitOnUnsupportedNode } from './node-version.js';
import { createService } from './service.js';

exitOnUnsupportedNode();
loadDotEnv();

let config: ReturnType<typeof loadConfig>;
try {
  config = withInstallationSecret(loadConfig());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const logger = createLogger(config);

// A crash is logged as one JSON line with its stack, then the process exits for the orchestrator to restart it.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    logger.fatal({ err: error, event }, 'crashed');
    process.exit(1);
  });
}

const service = await createService(config, logger);
const address = await service.app.listen({ port: config.port, host: config.host });
logger.info(
  {
    address,
    database: config.database.kind,
    broker: config.rabbitmq ? 'rabbitmq' : 'in-process',
    docs: '/docs',
  },
  'order service ready',
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    const started = Date.now();
    logger.info({ signal, timeoutMs: config.http.shutdownTimeoutMs }, 'shutting down');
    // Bounded: a request or a broker confirm that never finishes must not keep the process alive.
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.http.shutdownTimeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, config.http.shutdownTimeoutMs);
    deadline.unref();
    // Stops taking requests and drains those in flight, then consumers, the saga sweeper, the
    // outbox relay's current batch, the broker connection and the database pools (service.ts).
    service.stop().then(
      () => {
        logger.info({ durationMs: Date.now() - started }, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

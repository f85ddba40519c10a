import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { connectDatabase } from './infrastructure/db/connection.js';
import { migrateToLatest } from './infrastructure/db/migrate.js';
import { isDatabaseUnavailable } from './infrastructure/db/sql-errors.js';
import { createRabbitMqBus } from './infrastructure/messaging/rabbitmq-bus.js';
import { rabbitMqUrl } from './infrastructure/messaging/rabbitmq-url.js';
import { traceBus } from './infrastructure/observability/traced-bus.js';
import { createTracing } from './infrastructure/observability/tracing.js';
import { simulatorOptions } from './infrastructure/participants/simulator-options.js';
import { startSimulators } from './infrastructure/participants/start-simulators.js';
import { createLogger } from './logger.js';
import { exitOnUnsupportedNode } from './node-version.js';

/**
 * `npm run simulators`: the inventory and payment simulators as their own process, serving the
 * participant queues on RabbitMQ (the connected shape). Reads the same RABBITMQ_*, SIM_* and
 * database variables as the service: what the simulators did is kept in their tables there
 * (migration 0012, applied at start), so a restarted or redelivered simulator never acts twice.
 */
exitOnUnsupportedNode();
loadDotEnv();

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env, { verifiesTokens: false });
  if (!config.rabbitmq)
    throw new ConfigError('RABBITMQ_HOST', 'is required: the simulators serve RabbitMQ queues');
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const rabbitmq = config.rabbitmq;
if (!rabbitmq) process.exit(1);

const logger = createLogger(config).child({ process: 'simulators' });
// Their spans join the order's trace (the commands carry its traceparent) under a name of their own.
const tracing = createTracing(
  { ...config.tracing, serviceName: `${config.tracing.serviceName}-simulators` },
  { logger: logger.child({ component: 'tracing' }) },
);
const { tracer } = tracing;
const database = connectDatabase(config.database, { tracer });
await migrateToLatest(database);
const rabbitBus = await createRabbitMqBus({
  url: rabbitMqUrl(rabbitmq),
  prefetch: rabbitmq.prefetch,
  maxAttempts: config.messaging.maxAttempts,
  retryBaseDelayMs: config.messaging.retryBaseDelayMs,
  // Their tables are in a database too: a command that meets its outage waits it out.
  isOutage: isDatabaseUnavailable,
  logger,
  namePrefix: rabbitmq.namePrefix,
  connectionName: `${rabbitmq.namePrefix}order-simulators`,
});
const bus = tracer ? traceBus(rabbitBus, tracer) : rabbitBus;
const simulators = startSimulators(bus, { logger, store: database, ...simulatorOptions(config) });
logger.info({ simulators: config.simulators }, 'simulators serving inventory and payment commands');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping simulators');
    simulators
      .close()
      .then(() => bus.close())
      .then(() => database.close())
      .then(() => tracing.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'unclean shutdown');
          process.exit(1);
        },
      );
  });
}

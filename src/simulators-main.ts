import { pino } from 'pino';
import { createRabbitMqBus } from './infrastructure/messaging/rabbitmq-bus.js';
import { parseSimulatorConfig } from './infrastructure/simulators/simulator-config.js';
import { startSimulators } from './infrastructure/simulators/start-simulators.js';

/** The inventory and payment simulators as their own process, for the connected shape. */
const logger = pino({ name: 'order-simulators', level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<void> {
  const config = parseSimulatorConfig(process.env);
  const bus = await createRabbitMqBus({
    url: config.rabbitmqUrl,
    prefetch: 10,
    maxAttempts: 5,
    logger,
    connectionName: 'order-simulators',
  });
  const simulators = startSimulators(bus, { logger, inventory: config.inventory, payment: config.payment });
  logger.info(
    {
      defaultStock: config.inventory.defaultStock,
      stockOverrides: Object.keys(config.inventory.stock ?? {}).length,
      declineAboveMinor: config.payment.declineAboveMinor ?? null,
      failureRate: config.payment.failureRate,
      latencyMs: config.payment.latencyMs,
    },
    'simulators started',
  );

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping simulators');
    try {
      await simulators.close();
      await bus.close();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'unclean shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  logger.fatal({ err }, 'simulators failed to start');
  process.exit(1);
});

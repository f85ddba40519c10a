import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { buildApp } from './api/app.js';
import { createTokenVerifier } from './api/auth.js';
import { changeOrderStatusHandler } from './application/commands/change-order-status.js';
import { createOrderHandler } from './application/commands/create-order.js';
import { topology } from './application/messages.js';
import { orderEventMessages } from './application/order-event-messages.js';
import type { UnitOfWork } from './application/ports.js';
import { getOrderHandler } from './application/queries/get-order.js';
import { orderHistoryHandler } from './application/queries/order-history.js';
import { placeOrderSaga } from './application/saga/place-order-saga.js';
import { sagaRunner } from './application/saga/saga-runner.js';
import type { Config } from './config.js';
import { runInBackground } from './infrastructure/background.js';
import { connectDatabase, type DatabaseHandle } from './infrastructure/db/connection.js';
import { migrateToLatest } from './infrastructure/db/migrate.js';
import { orderQueries } from './infrastructure/db/order-queries.js';
import { createUnitOfWork } from './infrastructure/db/unit-of-work.js';
import type { MessageBus } from './infrastructure/messaging/bus.js';
import { createInProcessBus } from './infrastructure/messaging/in-process-bus.js';
import { createOutboxRelay } from './infrastructure/messaging/outbox-relay.js';
import { createRabbitMqBus } from './infrastructure/messaging/rabbitmq-bus.js';
import { rabbitMqUrl } from './infrastructure/messaging/rabbitmq-url.js';
import { simulatorOptions } from './infrastructure/simulators/simulator-options.js';
import { startSimulators } from './infrastructure/simulators/start-simulators.js';

export interface Service {
  app: FastifyInstance;
  database: DatabaseHandle;
  bus: MessageBus;
  uow: UnitOfWork;
  /** Stops in the order that loses nothing: HTTP, consumers, background work, then connections. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** Apply pending migrations at start (always in the embedded shape). */
  migrate?: boolean;
  /** Run the outbox relay and the saga timeout sweeper (tests may drive them by hand). */
  background?: boolean;
}

/**
 * The composition root: builds the adapters for the configured shape (embedded or connected),
 * wires them into the use cases and starts the consumers and background workers. It is the only
 * place that knows every concrete adapter.
 */
export async function createService(
  config: Config,
  logger: Logger,
  options: ServiceOptions = {},
): Promise<Service> {
  const clock = () => new Date();
  const now = () => Date.now();
  const newId = () => uuidv7();

  const database = connectDatabase(config.database);
  if (options.migrate ?? config.database.kind === 'sqlite') await migrateToLatest(database);

  const bus: MessageBus = config.rabbitmq
    ? await createRabbitMqBus({
        url: rabbitMqUrl(config.rabbitmq),
        prefetch: config.rabbitmq.prefetch,
        maxAttempts: config.messaging.maxAttempts,
        logger: logger.child({ component: 'rabbitmq' }),
        // Every queue of the topology, participants' too: a command published before its
        // participant first connects must wait in its queue, not be dropped by the exchange.
        connectionName: `${config.rabbitmq.namePrefix}order-service`,
        namePrefix: config.rabbitmq.namePrefix,
      })
    : createInProcessBus({
        maxAttempts: config.messaging.maxAttempts,
        logger: logger.child({ component: 'bus' }),
      });

  const simulators = config.simulators.embedded
    ? startSimulators(bus, {
        logger: logger.child({ component: 'simulators' }),
        ...simulatorOptions(config.simulators),
      })
    : null;

  const relay = createOutboxRelay({
    db: database.db,
    dialect: database.dialect,
    bus,
    batchSize: config.messaging.outboxBatchSize,
    now,
    logger: logger.child({ component: 'outbox' }),
  });
  const background = options.background ?? true;
  const relayTask = background
    ? runInBackground('outbox-relay', config.messaging.outboxPollMs, relay.publishBatch, logger)
    : null;

  const uow = withCommitHook(
    createUnitOfWork({
      db: database.db,
      dialect: database.dialect,
      now,
      eventMessages: orderEventMessages(newId),
    }),
    // A commit that wrote outbox rows wakes the relay, so messages leave at once, not on the next poll.
    () => relayTask?.wake(),
  );
  const saga = placeOrderSaga({ clock, newId, stepTimeoutMs: config.saga.stepTimeoutMs });
  const runner = sagaRunner({ uow, saga, clock });
  const sweeper = background
    ? runInBackground(
        'saga-timeouts',
        config.saga.sweepIntervalMs,
        async () => (await runner.sweepTimeouts(100)) === 100,
        logger,
      )
    : null;

  const replies = bus.consume(topology.replyQueue, async ({ envelope }) => {
    const outcome = await runner.handleReply(envelope);
    logger.debug(
      { correlationId: envelope.correlationId, type: envelope.type, outcome },
      'saga reply handled',
    );
  });

  const queries = orderQueries(database.db);
  const app = await buildApp({
    config,
    logger,
    verifyToken: createTokenVerifier(config.jwt),
    orders: {
      createOrder: createOrderHandler({ uow, clock, newId, startSaga: saga.start }),
      changeOrderStatus: changeOrderStatusHandler({ uow, clock, onStatusChanged: saga.onStatusChanged }),
      getOrder: getOrderHandler(queries),
      orderHistory: orderHistoryHandler(orderQueries(database.readDb)),
    },
  });

  return {
    app,
    database,
    bus,
    uow,
    async stop() {
      await app.close();
      await replies.close();
      await simulators?.close();
      await sweeper?.stop();
      await relayTask?.stop();
      await bus.close();
      await database.close();
    },
  };
}

function withCommitHook(uow: UnitOfWork, afterCommit: () => void): UnitOfWork {
  return {
    async run(work) {
      const result = await uow.run(work);
      afterCommit();
      return result;
    },
  };
}

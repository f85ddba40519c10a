import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { v7 as uuidv7 } from 'uuid';
import { type AppDependencies, buildApp } from './api/app.js';
import { createTokenVerifier } from './api/auth.js';
import { sagaBacklogLimit } from './api/saga-backlog-limit.js';
import { changeOrderStatusHandler } from './application/commands/change-order-status.js';
import { placeOrder } from './application/commands/create-order.js';
import { idempotentCreateOrder } from './application/commands/idempotent-create-order.js';
import { refundOrderHandler } from './application/commands/refund-order.js';
import { shipOrderHandler } from './application/commands/ship-order.js';
import { deadLetterHandlers } from './application/dead-letters.js';
import { topology } from './application/messaging/contract.js';
import { orderEventMessages } from './application/order-event-messages.js';
import type { UnitOfWork } from './application/ports.js';
import { getOrderHandler } from './application/queries/get-order.js';
import { getOrderTimelineHandler } from './application/queries/get-order-timeline.js';
import { orderAnalyticsHandlers } from './application/queries/order-analytics.js';
import { orderHistoryHandler } from './application/queries/order-history.js';
import { searchOrdersHandler } from './application/queries/search-orders.js';
import { fulfilmentPolicy, stockCommitDeadline } from './application/saga/fulfilment-saga.js';
import { placeOrderSaga } from './application/saga/place-order-saga.js';
import { sagaPolicy, sagaRunner } from './application/saga/saga-runner.js';
import type { Config } from './config.js';
import { runInBackground } from './infrastructure/background.js';
import { connectDatabase, type DatabaseHandle } from './infrastructure/db/connection.js';
import { deadLetterStore } from './infrastructure/db/dead-letter-store.js';
import { defaultRetention, housekeeping } from './infrastructure/db/housekeeping.js';
import { migrateToLatest } from './infrastructure/db/migrate.js';
import { stockCommitProblems, stuckSagas } from './infrastructure/db/operations-queries.js';
import { orderQueries } from './infrastructure/db/order-queries.js';
import { orderReadModel } from './infrastructure/db/read-model/order-read-model.js';
import { readModelProjector } from './infrastructure/db/read-model/projector.js';
import { sagaBacklog } from './infrastructure/db/read-model/saga-backlog.js';
import { isDatabaseUnavailable } from './infrastructure/db/sql-errors.js';
import { createUnitOfWork } from './infrastructure/db/unit-of-work.js';
import { brokerOutageWindow } from './infrastructure/messaging/broker-outage-window.js';
import type { MessageBus } from './infrastructure/messaging/bus.js';
import { createInProcessBus } from './infrastructure/messaging/in-process-bus.js';
import { createOrderEventFeed } from './infrastructure/messaging/order-event-feed.js';
import { createOutboxRelay } from './infrastructure/messaging/outbox-relay.js';
import { createRabbitMqBus } from './infrastructure/messaging/rabbitmq-bus.js';
import { rabbitMqUrl } from './infrastructure/messaging/rabbitmq-url.js';
import { instrumentBus } from './infrastructure/observability/instrumented-bus.js';
import {
  createMetrics,
  registerDeadLetterGauge,
  registerOutboxGauges,
  registerSagaBacklogLimitGauge,
} from './infrastructure/observability/metrics.js';
import { orderMetrics, paymentMetrics } from './infrastructure/observability/order-metrics.js';
import { cachedProbe } from './infrastructure/observability/probe.js';
import { sagaWaits } from './infrastructure/observability/saga-waits.js';
import { serviceReadiness } from './infrastructure/observability/service-readiness.js';
import { traceBus } from './infrastructure/observability/traced-bus.js';
import { createTracing, type Tracing } from './infrastructure/observability/tracing.js';
import { simulatorOptions } from './infrastructure/participants/simulator-options.js';
import { type RunningSimulators, startSimulators } from './infrastructure/participants/start-simulators.js';

export interface Service {
  app: FastifyInstance;
  database: DatabaseHandle;
  bus: MessageBus;
  uow: UnitOfWork;
  /** The embedded participants (SIMULATORS_EMBEDDED), so tests can look at what they did. */
  simulators: RunningSimulators | null;
  /** Stops in the order that loses nothing: HTTP, consumers, background work, then connections. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** Apply pending migrations at start (always in the embedded shape). */
  migrate?: boolean;
  /** Run the outbox relay and the saga timeout sweeper (tests may drive them by hand). */
  background?: boolean;
  /** Sees every HTTP response before it leaves (the tests check each one against the OpenAPI document). */
  observeResponse?: AppDependencies['observeResponse'];
  /**
   * Tracing the caller made (tests: an in-memory exporter) instead of the configured one; the
   * caller owns it, so stop() flushes it but does not shut it down.
   */
  tracing?: Tracing;
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

  const tracing =
    options.tracing ?? createTracing(config.tracing, { logger: logger.child({ component: 'tracing' }) });
  const { tracer } = tracing;
  const database = connectDatabase(config.database, { tracer });
  if (options.migrate ?? config.database.kind === 'sqlite') await migrateToLatest(database);

  // Per service, not prom-client's global registry: tests run several services in one process.
  const registry = new Registry();
  const metrics = createMetrics(registry);

  const instrumented: MessageBus = instrumentBus(
    config.rabbitmq
      ? await createRabbitMqBus({
          url: rabbitMqUrl(config.rabbitmq),
          prefetch: config.rabbitmq.prefetch,
          maxAttempts: config.messaging.maxAttempts,
          retryBaseDelayMs: config.messaging.retryBaseDelayMs,
          // A reply that meets a database outage waits it out instead of being dead-lettered.
          isOutage: isDatabaseUnavailable,
          logger: logger.child({ component: 'rabbitmq' }),
          // Every queue of the topology, participants' too: a command published before its
          // participant first connects must wait in its queue, not be dropped by the exchange.
          connectionName: `${config.rabbitmq.namePrefix}order-service`,
          namePrefix: config.rabbitmq.namePrefix,
        })
      : createInProcessBus({
          maxAttempts: config.messaging.maxAttempts,
          retryBaseDelayMs: config.messaging.retryBaseDelayMs,
          isOutage: isDatabaseUnavailable,
          logger: logger.child({ component: 'bus' }),
        }),
    metrics,
  );
  // Outermost, so the consumer span is active while the handler and its log context run.
  const bus = tracer ? traceBus(instrumented, tracer) : instrumented;

  const simulators = config.simulators.embedded
    ? startSimulators(bus, {
        logger: logger.child({ component: 'simulators' }),
        // Their tables sit beside the orders in the embedded shape (migration 0012).
        store: database,
        ...simulatorOptions(config),
      })
    : null;

  const relay = createOutboxRelay({
    db: database.db,
    dialect: database.dialect,
    bus,
    batchSize: config.messaging.outboxBatchSize,
    leaseMs: config.messaging.outboxClaimMs,
    now,
    logger: logger.child({ component: 'outbox' }),
  });
  const background = options.background ?? true;
  const relayTask = background
    ? runInBackground('outbox-relay', config.messaging.outboxPollMs, relay.publishBatch, logger)
    : null;
  const cleaner = background
    ? runInBackground(
        'housekeeping',
        60_000,
        housekeeping({
          db: database.db,
          dialect: database.dialect,
          now,
          retention: { ...defaultRetention, idempotencyKeysMs: config.http.idempotencyKeyTtlMs },
        }),
        logger,
      )
    : null;
  const outboxBacklog = cachedProbe(relay.backlog, { ttlMs: 1_000, timeoutMs: 2_000 });
  registerOutboxGauges(registry, outboxBacklog);

  const backlogLimit = sagaBacklogLimit(
    config.admission.sagaBacklogLimit,
    config.admission.sagaBacklogTargetMs,
  );
  registerSagaBacklogLimitGauge(registry, () => backlogLimit?.current(now()) ?? 0);

  const saga = placeOrderSaga({ clock, newId });
  const sagaDeps = { saga, clock, stepTimeoutMs: config.saga.stepTimeoutMs };
  const fulfilmentDeps = {
    clock,
    newId,
    stockCommit: {
      timeoutMs: config.saga.shipmentCommitTimeoutMs,
      maxAttempts: config.saga.shipmentCommitMaxAttempts,
    },
  };
  const uow = createUnitOfWork({
    db: database.db,
    dialect: database.dialect,
    now,
    eventMessages: orderEventMessages(newId),
    // The saga starts from order.created and reacts to others' status changes, in their transaction;
    // shipments and refunds start their steps from their events the same way.
    policies: [sagaPolicy(sagaDeps), fulfilmentPolicy(fulfilmentDeps)],
    // The read model commits with the write: docs/read-model.md, consistency.
    projectors: [readModelProjector(database.dialect)],
    afterCommit: [
      orderMetrics(metrics),
      ...(backlogLimit ? [sagaWaits((waitedMs, at) => backlogLimit.sawSettled(waitedMs, at), now)] : []),
    ],
    observeShared: (works) => metrics.sharedTransactionWorks.observe(works),
    // Rows a commit wrote leave right after it, not on the next poll; the poller is the safety net.
    ...(background && { outboxFastPath: relay }),
  });
  const runner = sagaRunner({ ...sagaDeps, uow, commitDeadline: stockCommitDeadline(fulfilmentDeps) });
  // A broker outage is ours, not the participants': it does not count against their deadlines.
  const outageWindow = brokerOutageWindow(bus, config.saga.stepTimeoutMs, now);
  const sweepStockCommits = async (deadlinesRunUntil: Date) => {
    const { claimed, swept } = await runner.sweepStockCommits(100, deadlinesRunUntil);
    for (const { outcome, ...commit } of swept) {
      if (outcome === 'retried') {
        metrics.stockCommitRetries.inc();
        logger.info(commit, 'shipment stock commit got no reply in time; sent again');
      } else {
        metrics.stockCommitFailures.inc();
        // The goods left but the inventory service may still hold them as reserved: someone must look.
        logger.warn(commit, 'shipment stock commit got no reply to its last attempt; COMMIT_FAILED');
      }
    }
    return claimed === 100;
  };
  const sweeper = background
    ? runInBackground(
        'saga-timeouts',
        config.saga.sweepIntervalMs,
        async () => {
          const until = outageWindow.deadlinesRunUntil();
          const sentBefore = new Date(until.getTime() - config.saga.stepTimeoutMs);
          const more = (await runner.sweepTimeouts(100, sentBefore)) === 100;
          return (await sweepStockCommits(until)) || more;
        },
        logger,
      )
    : null;

  const observePayment = paymentMetrics({ metrics, now });
  const replies = bus.consume(topology.replyQueue, async ({ envelope }) => {
    const handled = await runner.handleReply(envelope);
    const { outcome, unrequested } = handled;
    observePayment(envelope, handled);
    if (unrequested) {
      metrics.sagaUnrequestedEffects.inc({ type: unrequested.effect });
      logger.warn(
        { correlationId: envelope.correlationId, type: envelope.type, ...unrequested },
        'participant did what the saga did not ask for; undoing it',
      );
    }
    logger.debug(
      { correlationId: envelope.correlationId, type: envelope.type, outcome },
      'saga reply handled',
    );
  });

  const deadLetters = deadLetterStore({ db: database.db, dialect: database.dialect, now, newId });
  registerDeadLetterGauge(registry, deadLetters.pendingCount);
  // Every instance consumes the dead-letter queue; a letter is one row however many store it.
  const deadLetterConsumer = bus.consumeDeadLetters(async (letter) => {
    await deadLetters.record(letter);
    metrics.deadLetters.inc();
    logger.warn(
      { messageId: letter.messageId, type: letter.type, queue: letter.queue, error: letter.error },
      'dead letter stored',
    );
  });
  const findStuckSagas = stuckSagas(database.db, now, config.saga.stepTimeoutMs);
  const findStockCommitProblems = stockCommitProblems(database.db);
  const orderFeed = createOrderEventFeed(bus, logger.child({ component: 'order-feed' }));

  const readiness = serviceReadiness({ config, database, bus, outboxBacklog });
  const queries = orderQueries(database.db);
  const readModel = orderReadModel(database.readDb);
  const app = await buildApp({
    config,
    logger,
    verifyToken: createTokenVerifier(config.jwt),
    orders: {
      createOrder: idempotentCreateOrder({ uow, place: placeOrder({ clock }), newId }),
      changeOrderStatus: changeOrderStatusHandler({ uow, clock, newId }),
      getOrder: getOrderHandler(queries),
      orderTimeline: getOrderTimelineHandler(queries),
      orderHistory: orderHistoryHandler(readModel),
    },
    fulfilment: {
      shipOrder: shipOrderHandler({ uow, clock, newId }),
      refundOrder: refundOrderHandler({ uow, clock, newId }),
    },
    orderQueries: {
      searchOrders: searchOrdersHandler(readModel),
      analytics: orderAnalyticsHandlers(readModel, clock),
    },
    admin: {
      deadLetters: deadLetterHandlers(deadLetters, () => relayTask?.wake()),
      operations: async () => {
        const outbox = await outboxBacklog();
        return {
          outbox: { backlog: outbox.count, oldestAgeSeconds: outbox.oldestAgeSeconds },
          deadLetters: { pending: await deadLetters.pendingCount() },
          sagaOutcomes: Object.fromEntries(
            (await metrics.sagaOutcomes.get()).values.map((sample) => [
              String(sample.labels.outcome),
              sample.value,
            ]),
          ),
          stuckSagas: await findStuckSagas(),
          stockCommits: await findStockCommitProblems(),
        };
      },
    },
    orderStream: { feed: orderFeed, heartbeatMs: config.console.sseHeartbeatMs },
    operations: { registry, metrics, readiness },
    // One indexed count over the PENDING orders (at most about SAGA_BACKLOG_LIMIT of them): for
    // arriving POSTs at most every 250 ms however many ask, and every 25 ms while POSTs wait in
    // line for room, so they get it as soon as the saga makes it.
    sagaBacklog: {
      forArrivals: cachedProbe(sagaBacklog(database.db), { ttlMs: 250, timeoutMs: 1_000 }),
      forWaiting: cachedProbe(sagaBacklog(database.db), { ttlMs: 25, timeoutMs: 1_000 }),
    },
    sagaBacklogLimit: backlogLimit,
    observeResponse: options.observeResponse,
    tracer,
  });

  return {
    app,
    database,
    bus,
    uow,
    simulators,
    async stop() {
      // Each step's time is logged as it ends: a shutdown that overruns SHUTDOWN_TIMEOUT_MS shows
      // which step it was in, and one that does not shows where its time went.
      const log = logger.child({ component: 'shutdown' });
      const durations: Record<string, number> = {};
      const step = async (name: string, work: () => Promise<void> | void) => {
        const started = Date.now();
        await work();
        durations[name] = Date.now() - started;
        log.info({ step: name, durationMs: durations[name] }, 'shutdown step done');
      };
      await step('http', () => app.close());
      await step('replyConsumer', () => replies.close());
      await step('deadLetterConsumer', () => deadLetterConsumer.close());
      await step('orderFeed', () => orderFeed.close());
      await step('simulators', () => simulators?.close());
      await step('sagaSweeper', () => sweeper?.stop());
      await step('outboxRelay', async () => {
        await relayTask?.stop();
        await relay.drain();
      });
      await step('housekeeping', () => cleaner?.stop());
      await step('broker', () => bus.close());
      await step('database', () => database.close());
      readiness.close();
      // Last: the spans of the shutdown's own work are exported too.
      await step('tracing', () => (options.tracing ? tracing.flush() : tracing.shutdown()));
      log.info({ durations }, 'shutdown steps');
    },
  };
}

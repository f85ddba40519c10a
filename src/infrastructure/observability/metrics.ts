import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from 'prom-client';

/** What the outbox gauges read on each scrape; expected to be a cachedProbe, so it is bounded in time. */
export type BacklogReader = () => Promise<{ count: number; oldestAgeSeconds: number }>;

/**
 * Every metric the service exports, registered on one registry that the composition root owns
 * (never prom-client's global one, so several services can run in one test process). Labels
 * take values from closed sets only: statuses, outcomes, route templates, message types.
 */
export function createMetrics(registry: Registry) {
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  return {
    ordersCreated: new Counter({
      name: 'orders_created_total',
      help: 'Orders created (committed).',
      registers,
    }),
    orderStatusChanges: new Counter({
      name: 'order_status_changes_total',
      help: 'Committed order status changes, by previous and new status.',
      labelNames: ['from', 'to'] as const,
      registers,
    }),
    paymentProcessing: new Counter({
      name: 'payment_processing_total',
      help: 'Payment replies applied to an order, by outcome.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    paymentDuration: new Histogram({
      name: 'payment_processing_duration_seconds',
      help: 'Time from the payment.process command to its applied reply.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP response time, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    errors: new Counter({
      name: 'errors_total',
      help: 'Errors by kind: the problem type of an HTTP error response, or message_handler.',
      labelNames: ['kind'] as const,
      registers,
    }),
    messageDuration: new Histogram({
      name: 'message_processing_duration_seconds',
      help: 'Time a consumer spent handling one message, by queue and message type.',
      labelNames: ['queue', 'type'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    sagaDuration: new Histogram({
      name: 'saga_duration_seconds',
      help: 'Time from order creation to the end of its place-order saga.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    sharedTransactionWorks: new Histogram({
      name: 'db_shared_transaction_works',
      help: 'Works (saga replies, new orders) per committed transaction of the group commit: above 1 only while they queue for the database.',
      buckets: [1, 2, 4, 8, 16],
      registers,
    }),
    sagaUnrequestedEffects: new Counter({
      name: 'saga_unrequested_effects_total',
      help: 'Reservations or charges a participant made that the saga never asked for, undone by release or refund.',
      labelNames: ['type'] as const,
      registers,
    }),
    stockCommitRetries: new Counter({
      name: 'order_shipment_stock_commit_retries_total',
      help: 'Shipment stock commits sent again because the inventory service did not answer in time.',
      registers,
    }),
    stockCommitFailures: new Counter({
      name: 'order_shipment_stock_commit_failures_total',
      help: 'Shipment stock commits given up (COMMIT_FAILED) after their last attempt went unanswered.',
      registers,
    }),
    sagaOutcomes: new Counter({
      name: 'saga_outcomes_total',
      help: 'Finished place-order sagas, by outcome.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'dead_letters_total',
      help: 'Messages received from the dead-letter queue (a message dead-lettered again counts again).',
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The outbox gauges, read from the database when Prometheus scrapes. */
export function registerOutboxGauges(registry: Registry, outboxBacklog: BacklogReader): void {
  // A scrape must not fail because the database does: the gauges then keep their last value.
  let backlog = { count: 0, oldestAgeSeconds: 0 };
  const refresh = async () => {
    try {
      backlog = await outboxBacklog();
    } catch {
      // kept; readiness reports the database failure
    }
  };
  new Gauge({
    name: 'outbox_backlog_messages',
    help: 'Outbox messages not yet confirmed by the broker.',
    registers: [registry],
    async collect() {
      await refresh();
      this.set(backlog.count);
    },
  });
  new Gauge({
    name: 'outbox_oldest_message_age_seconds',
    help: 'Age of the oldest unsent outbox message (0 when none).',
    registers: [registry],
    async collect() {
      await refresh();
      this.set(backlog.oldestAgeSeconds);
    },
  });
}

/** How many stored dead letters wait for a replay or a discard, read when Prometheus scrapes. */
export function registerDeadLetterGauge(registry: Registry, pending: () => Promise<number>): void {
  let last = 0;
  new Gauge({
    name: 'dead_letters_pending',
    help: 'Stored dead letters neither replayed nor discarded.',
    registers: [registry],
    async collect() {
      try {
        last = await pending();
      } catch {
        // kept; readiness reports the database failure
      }
      this.set(last);
    },
  });
}

/**
 * The saga backlog's limit of the moment, which may sit below SAGA_BACKLOG_LIMIT
 * (saga-backlog-limit.ts); 0 when there is none, so a dashboard never finds the series missing.
 */
export function registerSagaBacklogLimitGauge(registry: Registry, current: () => number): void {
  new Gauge({
    name: 'saga_backlog_limit_orders',
    help: 'Most orders that may wait for their saga now: SAGA_BACKLOG_LIMIT, or fewer when that many would queue longer than SAGA_BACKLOG_TARGET_MS behind each other; 0: no limit.',
    registers: [registry],
    collect() {
      this.set(current());
    },
  });
}

/**
 * Caps how many distinct values a label takes from outside input (message types arrive from the
 * broker): past `max`, new values are reported as "other" so a bad producer cannot explode the series.
 */
export function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

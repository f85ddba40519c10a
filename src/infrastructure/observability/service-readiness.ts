import { topology } from '../../application/messaging/contract.js';
import type { Config } from '../../config.js';
import type { DatabaseHandle } from '../db/connection.js';
import type { MessageBus } from '../messaging/bus.js';
import type { BacklogReader } from './metrics.js';
import { cachedProbe } from './probe.js';
import {
  brokerCheck,
  type Check,
  createReadiness,
  databaseCheck,
  eventLoopCheck,
  memoryCheck,
  outboxCheck,
  type Readiness,
} from './readiness.js';

/**
 * A dependency that does not answer within this long counts as down. Short, with the report cached
 * for 1 s, so readiness turns back within about 2 s of a dependency's return.
 */
const dependencyTimeoutMs = 1_000;

export interface ServiceReadinessDeps {
  config: Pick<Config, 'health' | 'rabbitmq' | 'simulators'>;
  database: DatabaseHandle;
  bus: MessageBus;
  outboxBacklog: BacklogReader;
}

/** The brief's health checks, wired to this service's adapters. */
export function serviceReadiness(deps: ServiceReadinessDeps): Readiness {
  const { config, database, bus } = deps;
  const eventLoop = eventLoopCheck(config.health.eventLoopDelayThresholdMs);
  return createReadiness(
    {
      database: databaseCheck((timeoutMs) => database.ping(timeoutMs), dependencyTimeoutMs),
      messageBroker: brokerCheck(config.rabbitmq ? 'rabbitmq' : 'in-process', () => bus.connectionState()),
      memory: memoryCheck(config.health.memoryLimitBytes),
      eventLoop: eventLoop.check,
      outbox: outboxCheck(deps.outboxBacklog, config.health.outboxBacklogThreshold),
      participants: config.simulators.embedded
        ? // Embedded simulators are consumers on this process's bus: they serve while it is connected.
          () => ({ status: bus.isConnected() ? 'ok' : 'degraded', mode: 'embedded-simulators' })
        : participantsCheck(bus),
    },
    { onClose: eventLoop.stop },
  );
}

/**
 * External participants consume their command queues over RabbitMQ. One without a consumer is
 * reported as degraded, never as failing: taking this service out of rotation would not bring
 * it back, and orders placed meanwhile wait in the queue or are compensated when their step times out.
 */
function participantsCheck(bus: MessageBus): Check {
  const count = cachedProbe(
    async () => {
      const queues = [topology.inventoryQueue, topology.paymentQueue];
      const counts = await Promise.all(queues.map((queue) => bus.consumerCount(queue)));
      return Object.fromEntries(queues.map((queue, index) => [queue, counts[index] ?? 0]));
    },
    { ttlMs: 1_000, timeoutMs: dependencyTimeoutMs },
  );
  return async () => {
    if (!bus.isConnected()) return { status: 'degraded', mode: 'external', detail: 'broker not connected' };
    const consumers = await count();
    const missing = Object.entries(consumers)
      .filter(([, n]) => n === 0)
      .map(([queue]) => queue);
    return missing.length === 0
      ? { status: 'ok', mode: 'external', consumers }
      : { status: 'degraded', mode: 'external', consumers, detail: `no consumer on ${missing.join(', ')}` };
  };
}

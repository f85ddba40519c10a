import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { Connection, type SyncMessage } from 'rabbitmq-client';
import { v7 as uuidv7 } from 'uuid';
import type { Envelope } from '../../../src/application/messaging/contract.js';
import type { MessageBus } from '../../../src/infrastructure/messaging/bus.js';
import {
  createRabbitMqBus,
  type RabbitMqBusOptions,
} from '../../../src/infrastructure/messaging/rabbitmq-bus.js';
import { messagingTopology } from '../../../src/infrastructure/messaging/topology.js';
import { rabbitmqUrl } from '../../support/services.js';

const run = promisify(execFile);

/** Every test gets its own exchanges and queues, so test files can run side by side. */
export function uniquePrefix(): string {
  return `test-${randomUUID().slice(0, 8)}.`;
}

export async function testBus(
  namePrefix: string,
  overrides: Partial<RabbitMqBusOptions> = {},
): Promise<MessageBus> {
  const bus = await createRabbitMqBus({
    url: rabbitmqUrl(),
    prefetch: 10,
    maxAttempts: 3,
    logger: pino({ level: 'silent' }),
    namePrefix,
    connectionName: `${namePrefix}bus`,
    ...overrides,
  });
  await bus.whenConnected(10_000);
  return bus;
}

export function anEnvelope(overrides: Partial<Envelope> = {}): Envelope {
  return {
    messageId: uuidv7(),
    type: 'inventory.reserve',
    correlationId: uuidv7(),
    causationId: null,
    occurredAt: new Date().toISOString(),
    payload: { orderId: 'o-1', items: [{ productId: 'sku-1', quantity: 1 }] },
    ...overrides,
  };
}

/** A plain client for what the bus deliberately cannot do: read the DLQ, publish garbage, clean up. */
export function adminConnection(): Connection {
  const connection = new Connection({ url: rabbitmqUrl(), connectionName: 'test-admin' });
  connection.on('error', () => {});
  return connection;
}

export async function getAll(connection: Connection, queue: string): Promise<SyncMessage[]> {
  const messages: SyncMessage[] = [];
  for (;;) {
    const message = await connection.basicGet({ queue, noAck: true });
    if (!message) return messages;
    messages.push(message);
  }
}

export async function deleteTopology(connection: Connection, namePrefix: string): Promise<void> {
  const queues = [...messagingTopology.queues.map((queue) => queue.name), messagingTopology.deadLetterQueue];
  for (const queue of queues) await connection.queueDelete({ queue: `${namePrefix}${queue}` });
  for (const exchange of messagingTopology.exchanges) {
    await connection.exchangeDelete({ exchange: `${namePrefix}${exchange}` });
  }
}

/**
 * Forcibly closes the broker connections that bear `connectionName`, as
 * `rabbitmqctl close_all_connections` would, without disturbing other clients of a shared broker.
 */
export async function forceCloseConnections(connectionName: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q', '-s']);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${connectionName}"}`))
    .map((line) => line.split('\t')[0] as string);
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'test']);
  return pids.length;
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Drains `queue` until it has yielded `count` messages (dead letters arrive asynchronously). */
export async function takeMessages(connection: Connection, queue: string, count = 1): Promise<SyncMessage[]> {
  const taken: SyncMessage[] = [];
  await waitFor(async () => {
    taken.push(...(await getAll(connection, queue)));
    return taken.length >= count;
  });
  return taken;
}

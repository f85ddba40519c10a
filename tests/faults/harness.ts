import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from 'rabbitmq-client';
import { topology } from '../../src/application/messaging/contract.js';
import { loadConfig } from '../../src/config.js';
import { connectDatabase, type DatabaseHandle } from '../../src/infrastructure/db/connection.js';
import { migrateToLatest } from '../../src/infrastructure/db/migrate.js';
import { messagingTopology } from '../../src/infrastructure/messaging/topology.js';
import { createTestDatabase, mysqlServer } from '../support/database.js';
import { freePort, rabbitmqUrl } from '../support/services.js';
import { signToken, testSecret } from '../support/test-service.js';

export const requestDeadlineMs = 10_000;

/** A child process of the real entry point, its output kept in a log file for diagnosis. */
export interface Child {
  process: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function spawnEntry(entry: string, env: Record<string, string>, logFile: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * One scenario's world: a fresh migrated database, its own queue prefix on the shared broker,
 * service instances and the simulator process as children, and a tap on the reply and event
 * exchanges that sees every participant's effect.
 */
export async function faultWorld(name: string) {
  const database = await createTestDatabase('order_faults');
  const server = mysqlServer();
  const prefix = `faults-${name}-${Math.random().toString(16).slice(2, 8)}.`;
  const direct = loadConfig({
    ENV: 'test',
    JWT_SECRET: testSecret,
    ...server,
    MYSQL_DATABASE: database.name,
    MYSQL_POOL_SIZE: '4',
  });
  const db: DatabaseHandle = connectDatabase(direct.database);
  await migrateToLatest(db);

  const admin = new Connection({
    url: rabbitmqUrl(),
    connectionName: `${prefix}admin`,
    retryLow: 100,
    retryHigh: 500,
  });
  admin.on('error', () => {});
  const tap = `${prefix}test.tap`;
  const children = new Set<Child>();

  const baseEnv = (overrides: Record<string, string>) => ({
    ENV: 'test',
    LOG_LEVEL: 'warn',
    JWT_SECRET: testSecret,
    ...server,
    MYSQL_DATABASE: database.name,
    RABBITMQ_HOST: process.env.RABBITMQ_HOST || '127.0.0.1',
    RABBITMQ_PORT: process.env.RABBITMQ_PORT || '5672',
    RABBITMQ_USER: process.env.RABBITMQ_USER || 'guest',
    RABBITMQ_PASSWORD: process.env.RABBITMQ_PASSWORD || 'guest',
    RABBITMQ_NAME_PREFIX: prefix,
    SIMULATORS_EMBEDDED: 'false',
    RATE_LIMIT_MAX: '0',
    HTTP_REQUEST_DEADLINE_MS: String(requestDeadlineMs),
    // Other work shares this 2-core machine: its load must not read as this instance's event loop
    // being stuck (readiness) — the faults under test are the broker's and the database's.
    HEALTH_EVENT_LOOP_DELAY_MS: '5000',
    ...overrides,
  });

  return {
    db,
    prefix,
    admin,

    /** Declares the topology (through a first service) and binds the tap before any load. */
    async bindTap() {
      await admin.queueDeclare({ queue: tap, durable: true, arguments: { 'x-queue-type': 'quorum' } });
      for (const exchange of [topology.repliesExchange, topology.eventsExchange]) {
        await admin.queueBind({ queue: tap, exchange: `${prefix}${exchange}`, routingKey: '#' });
      }
    },

    async startService(label: string, overrides: Record<string, string> = {}) {
      const port = Number(overrides.PORT ?? (await freePort()));
      const child = spawnEntry(
        'src/main.ts',
        baseEnv({ PORT: String(port), HOST: '127.0.0.1', ...overrides }),
        `/tmp/faults-${name}-${label}.log`,
      );
      children.add(child);
      const url = `http://127.0.0.1:${port}`;
      await waitUntil(async () => (await readiness(url)) === 200, 60_000, `${label} ready`);
      return { url, port, child };
    },

    async startSimulators(label = 'simulators') {
      const child = spawnEntry('src/simulators-main.ts', baseEnv({}), `/tmp/faults-${name}-${label}.log`);
      children.add(child);
      // Ready when both participant queues have a consumer.
      await waitUntil(
        async () => {
          const counts = await Promise.all(
            [messagingTopology.queues[0], messagingTopology.queues[1]].map(async (queue) => {
              const { consumerCount } = await admin.queueDeclare({
                queue: `${prefix}${queue?.name}`,
                passive: true,
              });
              return consumerCount;
            }),
          ).catch(() => [0]);
          return counts.every((count) => count > 0);
        },
        60_000,
        'simulators consuming',
      );
      return child;
    },

    /** Every message the tap saw: replies (participants' effects) and events. */
    async drainTap(): Promise<{ type: string; correlationId: string; payload: Record<string, unknown> }[]> {
      const messages: { type: string; correlationId: string; payload: Record<string, unknown> }[] = [];
      for (;;) {
        const message = await admin.basicGet({ queue: tap, noAck: true });
        if (!message) return messages;
        const body = (Buffer.isBuffer(message.body) ? JSON.parse(message.body.toString()) : message.body) as {
          type: string;
          correlationId: string;
          payload: Record<string, unknown>;
        };
        messages.push(body);
      }
    },

    async deadLetters(): Promise<number> {
      const { messageCount } = await admin.queueDeclare({
        queue: `${prefix}${messagingTopology.deadLetterQueue}`,
        passive: true,
      });
      return messageCount;
    },

    async close() {
      for (const child of children) await child.kill('SIGKILL');
      const queues = [
        ...messagingTopology.queues.map((queue) => queue.name),
        messagingTopology.deadLetterQueue,
      ];
      for (const queue of [...queues.map((q) => `${prefix}${q}`), tap]) {
        await admin.queueDelete({ queue }).catch(() => undefined);
      }
      for (const exchange of messagingTopology.exchanges) {
        await admin.exchangeDelete({ exchange: `${prefix}${exchange}` }).catch(() => undefined);
      }
      await admin.close();
      await db.close();
      await database.drop();
    },
  };
}

export type FaultWorld = Awaited<ReturnType<typeof faultWorld>>;

export async function readiness(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

export async function waitUntil(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** How long after `since` readiness first answered 200, polled every 100 ms (bounded). */
export async function readyAgainAfter(url: string, since: number, timeoutMs = 30_000): Promise<number> {
  await waitUntil(async () => (await readiness(url)) === 200, timeoutMs, 'ready again');
  return Date.now() - since;
}

export interface Outcome {
  status: number;
  ms: number;
  /** When the answered attempt was sent, from the start of the load. */
  atMs?: number;
  /** For error answers: whether they were problem+json with Retry-After. */
  problemWithRetryAfter: boolean;
  problemType?: string;
  orderId?: string;
  /** The client could not reach any instance (process killed): not an HTTP answer. */
  connectionError?: boolean;
}

const anOrder = (i: number) => ({
  customerId: `fault-customer-${i % 20}`,
  items: [{ productId: `sku-${i % 7}`, quantity: 1 + (i % 3), price: 12.5 }],
  shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
});

export async function staffToken(): Promise<string> {
  return `Bearer ${await signToken({ sub: 'fault-suite', roles: ['admin'] }, { expiresIn: '1h' })}`;
}

/**
 * Places orders at `perSecond` for `durationMs` against `urls()` (round robin), as a client with
 * retries would: a connection refused (a killed instance) is tried again on the next instance with
 * the same Idempotency-Key. Every HTTP answer is recorded.
 */
export async function driveLoad(options: {
  urls: () => string[];
  perSecond: number;
  durationMs: number;
  during?: (elapsedMs: number) => void;
}): Promise<Outcome[]> {
  const authorization = await staffToken();
  const outcomes: Outcome[] = [];
  const inFlight: Promise<void>[] = [];
  const started = Date.now();
  const total = Math.round((options.perSecond * options.durationMs) / 1000);
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / options.perSecond;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    options.during?.(Date.now() - started);
    inFlight.push(placeOne(i, authorization, options.urls, outcomes, started));
  }
  await Promise.all(inFlight);
  return outcomes;
}

async function placeOne(
  i: number,
  authorization: string,
  urls: () => string[],
  outcomes: Outcome[],
  loadStarted: number,
) {
  const key = `fault-${process.pid}-${Date.now()}-${i}`;
  const giveUp = Date.now() + 30_000;
  for (let attempt = 0; ; attempt += 1) {
    const list = urls();
    const url = list[(i + attempt) % list.length] as string;
    const sent = Date.now();
    try {
      const response = await fetch(`${url}/api/orders`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(anOrder(i)),
        // Far past the deadline: a request the service never answers is recorded as such.
        signal: AbortSignal.timeout(requestDeadlineMs + 20_000),
      });
      const text = await response.text();
      const ms = Date.now() - sent;
      const contentType = response.headers.get('content-type') ?? '';
      const body = text ? (JSON.parse(text) as { id?: string; type?: string }) : {};
      outcomes.push({
        status: response.status,
        ms,
        atMs: sent - loadStarted,
        problemWithRetryAfter:
          contentType.startsWith('application/problem+json') &&
          Number(response.headers.get('retry-after')) > 0,
        problemType: body.type,
        orderId: response.status === 201 ? body.id : undefined,
      });
      return;
    } catch (error) {
      const ms = Date.now() - sent;
      if ((error as Error).name === 'TimeoutError') {
        outcomes.push({ status: 0, ms, atMs: sent - loadStarted, problemWithRetryAfter: false });
        return;
      }
      // Refused or reset: the instance is gone. A client retries elsewhere, or later.
      if (Date.now() > giveUp) {
        outcomes.push({ status: 0, ms, problemWithRetryAfter: false, connectionError: true });
        return;
      }
      await sleep(250);
    }
  }
}

/** What every scenario asserts about the answers: no hung or slow request, every error a 503 problem with Retry-After. */
export function answerFindings(outcomes: Outcome[]) {
  const created = outcomes
    .filter((outcome) => outcome.status === 201)
    .map((outcome) => outcome.orderId as string);
  return {
    created,
    slowerThanDeadline: outcomes
      .filter((outcome) => outcome.ms > requestDeadlineMs + 1_000)
      .map(({ status, ms, atMs }) => ({ status, ms, atMs })),
    unanswered: outcomes
      .filter((outcome) => outcome.status === 0)
      .map(({ ms, atMs, connectionError }) => ({ ms, atMs, connectionError })),
    errorsNot503Problem: outcomes.filter(
      (outcome) =>
        outcome.status !== 201 &&
        outcome.status !== 0 &&
        !(outcome.status === 503 && outcome.problemWithRetryAfter),
    ),
    errors503: outcomes.filter((outcome) => outcome.status === 503).length,
  };
}

/** Waits (bounded) until every order is final; returns the statuses and cancellation reasons found. */
export async function finalStates(world: FaultWorld, ids: string[], timeoutMs = 120_000) {
  const read = async () => {
    const rows: { id: string; status: string; cancellation_reason: string | null }[] = [];
    for (let start = 0; start < ids.length; start += 500) {
      const slice = ids.slice(start, start + 500);
      if (slice.length === 0) continue;
      rows.push(
        ...(await world.db.db
          .selectFrom('orders')
          .select(['id', 'status', 'cancellation_reason'])
          .where('id', 'in', slice)
          .execute()),
      );
    }
    return rows;
  };
  await waitUntil(
    async () => (await read()).filter((row) => row.status === 'PENDING').length === 0,
    timeoutMs,
    'every order final',
  ).catch(() => undefined);
  const rows = await read();
  const byStatus: Record<string, number> = {};
  for (const row of rows) byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
  return {
    byStatus,
    missing: ids.length - rows.length,
    notConfirmed: rows.filter((row) => row.status !== 'CONFIRMED'),
  };
}

/**
 * Effects a participant or the service applied more than once: two different reservation ids or
 * transaction ids for one order on the reply tap, or the same status entry twice in an order's history.
 */
export async function duplicateEffects(world: FaultWorld) {
  const messages = await world.drainTap();
  const distinct = (type: string, field: string) => {
    const perOrder = new Map<string, Set<string>>();
    for (const message of messages) {
      if (message.type !== type) continue;
      const set = perOrder.get(message.correlationId) ?? new Set<string>();
      set.add(String(message.payload[field]));
      perOrder.set(message.correlationId, set);
    }
    return [...perOrder.values()].filter((set) => set.size > 1).length;
  };
  const historyDuplicates = await world.db.db
    .selectFrom('order_status_history')
    .select(['order_id', 'status', 'reason'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .groupBy(['order_id', 'status', 'reason'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  return {
    reservations: distinct('inventory.reserved', 'reservationId'),
    charges: distinct('payment.succeeded', 'transactionId'),
    refunds: distinct('payment.refunded', 'transactionId'),
    statusEntries: historyDuplicates.length,
    messagesSeen: messages.length,
  };
}

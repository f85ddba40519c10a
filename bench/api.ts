import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { createConnection, createPool, type Pool, type PoolConnection } from 'mysql2/promise';
import { v7 as uuidv7 } from 'uuid';
import { topology } from '../src/application/messages.js';
import { toOrderView } from '../src/application/order-view.js';
import { type Config, loadConfig } from '../src/config.js';
import { Order } from '../src/domain/order.js';
import { connectDatabase } from '../src/infrastructure/db/connection.js';
import { migrateToLatest } from '../src/infrastructure/db/migrate.js';
import { toHistoryRows, toItemRows, toOrderRow } from '../src/infrastructure/db/order-rows.js';
import { rollupChange } from '../src/infrastructure/db/read-model/projector.js';
import { productRows, summaryRow } from '../src/infrastructure/db/read-model/read-rows.js';

/**
 * The order API under load, beside what the database alone allows:
 *
 * - `POST /api/orders` and `GET /api/orders/{id}` through HTTP with autocannon;
 * - the baseline: the rows one POST writes (order, items, history, saga, outbox), in one
 *   transaction, through raw mysql2 with the same concurrency and pool size, no HTTP; and the
 *   same again with the read-model rows the projector adds in that transaction.
 *
 * Runs against a connected instance: BASE_URL (http://localhost:8080), JWT_SECRET and the
 * MYSQL_* variables the service was started with, BENCH_CONNECTIONS (50), BENCH_DURATION_S (10),
 * BENCH_WARMUP_S (2). The baseline writes to a scratch database `<MYSQL_DATABASE>_baseline`,
 * dropped afterwards, so the service's outbox relay never sees its rows.
 */

interface Result {
  scenario: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

const orderBody = (n: number) =>
  JSON.stringify({
    customerId: 'bench-customer',
    items: [
      { productId: `sku-${n % 50}`, quantity: 1 + (n % 3), price: 19.99 },
      { productId: 'sku-common', quantity: 1, price: 5 },
    ],
    shippingAddress: { street: '1 Bench St', city: 'Boston', state: 'MA', zipCode: '02108' },
  });

export async function run(): Promise<void> {
  const config = loadConfig();
  const baseUrl = process.env.BASE_URL ?? 'http://localhost:8080';
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
  const duration = Number(process.env.BENCH_DURATION_S ?? 10);
  const warmup = Number(process.env.BENCH_WARMUP_S ?? 2);
  const headers = {
    authorization: `Bearer ${await mintToken(config.jwt)}`,
    'content-type': 'application/json',
  };

  const load = (scenario: string, requests: autocannon.Request[]) =>
    httpScenario(scenario, { url: baseUrl, connections, headers, requests }, duration, warmup);

  let n = 0;
  const ids: string[] = [];
  const results = [
    await load('POST /api/orders', [
      {
        method: 'POST',
        setupRequest: (request) => ({ ...request, path: '/api/orders', body: orderBody(n++) }),
        onResponse: (status, body) => {
          if (status === 201 && ids.length < 1000) ids.push((JSON.parse(body) as { id: string }).id);
        },
      },
    ]),
  ];
  if (ids.length === 0) throw new Error('No order was created; is the service up and JWT_SECRET the same?');
  // The saga works through the orders just placed; reads are measured once it is quiet again.
  if (config.database.kind === 'mysql') await waitForOutboxToDrain(config.database);
  results.push(
    await load('GET /api/orders/{id}', [
      {
        method: 'GET',
        setupRequest: (request) => ({ ...request, path: `/api/orders/${ids[n++ % ids.length]}` }),
      },
    ]),
  );
  if (config.database.kind === 'mysql') {
    const { database } = config;
    const base = (scenario: string, withReadModel: boolean) =>
      baseline(scenario, withReadModel, database, connections, duration, warmup);
    results.push(await base('baseline: same write-model inserts, raw mysql2', false));
    // The read model is projected in the same transaction, rollup counters included; this row
    // shows what those writes cost the database on their own.
    results.push(await base('baseline + read-model rows and rollup upserts', true));
  } else {
    console.log('(baseline skipped: set MYSQL_HOST to the service’s database)');
  }

  printTable(results);
  console.log(
    `\n${connections} connections, ${duration} s each after ${warmup} s warm-up; ` +
      `MySQL pool ${config.database.kind === 'mysql' ? config.database.poolSize : '-'}`,
  );
}

async function mintToken(jwt: Config['jwt']): Promise<string> {
  if (!jwt.secret) throw new Error('JWT_SECRET is required to mint the benchmark token');
  const token = new SignJWT({ roles: ['customer'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench-customer')
    .setExpirationTime('1h');
  if (jwt.issuer) token.setIssuer(jwt.issuer);
  if (jwt.audience) token.setAudience(jwt.audience);
  return token.sign(new TextEncoder().encode(jwt.secret));
}

async function httpScenario(
  scenario: string,
  options: autocannon.Options,
  duration: number,
  warmup: number,
): Promise<Result> {
  if (warmup > 0) await autocannon({ ...options, duration: warmup });
  const result = await autocannon({ ...options, duration });
  return {
    scenario,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

type MySqlConfig = Extract<Config['database'], { kind: 'mysql' }>;

async function waitForOutboxToDrain(database: MySqlConfig): Promise<void> {
  const connection = await createConnection({ ...connectionOptions(database), database: database.database });
  try {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const [rows] = await connection.query('select count(*) as unsent from outbox where sent_at is null');
      if (Number((rows as Array<{ unsent: number }>)[0]?.unsent) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    console.log('(the outbox did not drain within 2 minutes; reads ran beside the saga)');
  } finally {
    await connection.end();
  }
}

const connectionOptions = (database: MySqlConfig) => ({
  host: database.host,
  port: database.port,
  user: database.user,
  password: database.password,
});

/**
 * What one POST writes, built by the same domain code and row mappers the service uses, so the
 * baseline inserts byte-for-byte the same shape of rows; only HTTP, validation, auth and Kysely
 * are left out.
 */
function oneOrdersRows(n: number) {
  const now = new Date();
  const order = Order.create({
    id: uuidv7(),
    customerId: 'bench-customer',
    items: [
      { productId: `sku-${n % 50}`, quantity: 1 + (n % 3), unitPriceMinor: 1999 },
      { productId: 'sku-common', quantity: 1, unitPriceMinor: 500 },
    ],
    shippingAddress: { street: '1 Bench St', city: 'Boston', state: 'MA', zipCode: '02108' },
    currency: 'USD',
    createdBy: 'customer',
    now,
  });
  order.requestReservation(now);
  const state = order.snapshot();
  const rollups = rollupChange(state, order.pullEvents(), true);
  const envelope = (type: string, payload: unknown) => ({
    messageId: uuidv7(),
    type,
    correlationId: state.id,
    causationId: null,
    occurredAt: now.toISOString(),
    payload,
  });
  const reserve = envelope('inventory.reserve', {
    orderId: state.id,
    items: state.items.map(({ productId, quantity }) => ({ productId, quantity })),
  });
  const created = envelope('order.created', { order: toOrderView(state) });
  return {
    order: toOrderRow(state),
    items: toItemRows(state),
    history: toHistoryRows(state),
    saga: [state.id, reserve.messageId, now.getTime(), now.getTime()],
    readModel: { summary: summaryRow(state), products: productRows(state), ...rollups },
    outbox: [
      [
        reserve.messageId,
        topology.commandsExchange,
        reserve.type,
        reserve.type,
        state.id,
        JSON.stringify(reserve),
        now.getTime(),
      ],
      [
        created.messageId,
        topology.eventsExchange,
        created.type,
        created.type,
        state.id,
        JSON.stringify(created),
        now.getTime(),
      ],
    ],
  };
}

const insertRows = async (pool: Pool | PoolConnection, table: string, rows: object[]) => {
  const columns = Object.keys(rows[0] ?? {});
  const placeholders = rows.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
  await pool.query(
    `insert into \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) values ${placeholders}`,
    rows.flatMap((row) => Object.values(row)),
  );
};

/** The rollups are counters: a row that exists already gets the deltas added, as the projector does. */
const upsertRows = async (connection: PoolConnection, table: string, rows: object[], counters: string[]) => {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] ?? {});
  const placeholders = rows.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
  const updates = counters.map((c) => `\`${c}\` = \`${c}\` + values(\`${c}\`)`).join(', ');
  await connection.query(
    `insert into \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) values ${placeholders} on duplicate key update ${updates}`,
    rows.flatMap((row) => Object.values(row)),
  );
};

async function baseline(
  scenario: string,
  withReadModel: boolean,
  database: MySqlConfig,
  connections: number,
  duration: number,
  warmup: number,
): Promise<Result> {
  const name = `${database.database}_baseline`;
  const admin = await createConnection(connectionOptions(database));
  await admin.query(`drop database if exists \`${name}\``);
  await admin.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_bin`);
  const schema = connectDatabase({ ...database, database: name, readHost: null });
  await migrateToLatest(schema);
  await schema.close();

  const pool = createPool({
    ...connectionOptions(database),
    database: name,
    connectionLimit: database.poolSize,
    timezone: 'Z',
    supportBigNumbers: true,
    charset: 'utf8mb4',
  });
  let n = 0;
  const placeOne = async () => {
    const rows = oneOrdersRows(n++);
    const connection = await pool.getConnection();
    try {
      await connection.query('begin');
      await connection.query(
        'insert into saga_instances (order_id, awaiting_message_id, started_at, updated_at) values (?, ?, ?, ?)',
        rows.saga,
      );
      await connection.query(
        'insert into outbox (message_id, exchange, routing_key, type, correlation_id, body, created_at) values (?, ?, ?, ?, ?, ?, ?)',
        rows.outbox[0],
      );
      await insertRows(connection, 'orders', [rows.order]);
      await insertRows(connection, 'order_items', rows.items);
      await insertRows(connection, 'order_status_history', rows.history);
      await connection.query(
        'insert into outbox (message_id, exchange, routing_key, type, correlation_id, body, created_at) values (?, ?, ?, ?, ?, ?, ?)',
        rows.outbox[1],
      );
      if (withReadModel) {
        await insertRows(connection, 'order_summaries', [rows.readModel.summary]);
        await insertRows(connection, 'order_products', rows.readModel.products);
        await upsertRows(connection, 'order_stats_hourly', rows.readModel.stats, [
          'order_count',
          'total_minor',
        ]);
        await upsertRows(connection, 'product_sales_daily', rows.readModel.sales, [
          'quantity',
          'revenue_minor',
        ]);
      }
      await connection.query('commit');
    } catch (error) {
      await connection.query('rollback');
      throw error;
    } finally {
      connection.release();
    }
  };

  const drive = async (seconds: number) => {
    const latencies: number[] = [];
    let errors = 0;
    const end = performance.now() + seconds * 1000;
    const worker = async () => {
      while (performance.now() < end) {
        const started = performance.now();
        try {
          await placeOne();
          latencies.push(performance.now() - started);
        } catch {
          errors += 1;
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: connections }, worker));
    return {
      latencies: latencies.sort((a, b) => a - b),
      errors,
      elapsed: (performance.now() - started) / 1000,
    };
  };

  try {
    if (warmup > 0) await drive(warmup);
    const { latencies, errors, elapsed } = await drive(duration);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    return {
      scenario,
      requestsPerSecond: latencies.length / elapsed,
      p50: at(0.5),
      p99: at(0.99),
      errors,
    };
  } finally {
    await pool.end();
    await admin.query(`drop database if exists \`${name}\``);
    await admin.end();
  }
}

function printTable(results: Result[]): void {
  const post = results.find((r) => r.scenario.startsWith('POST'));
  const bases = results.filter((r) => r.scenario.startsWith('baseline'));
  console.log('| scenario | requests/s | p50 ms | p99 ms | errors |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.scenario} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} |`,
    );
  }
  for (const base of bases) {
    if (!post || base.requestsPerSecond === 0) continue;
    const share = (100 * post.requestsPerSecond) / base.requestsPerSecond;
    console.log(`POST reaches ${share.toFixed(0)}% of "${base.scenario}".`);
  }
}

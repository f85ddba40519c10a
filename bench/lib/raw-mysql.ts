import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createConnection, createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { v7 as uuidv7 } from 'uuid';
import { percentile } from './stats.js';

/**
 * Raw mysql2: scratch databases, and the "same machine's limit" baselines. The baselines know
 * nothing of the service's code: they replay the rows one real POST wrote (captured by diffing
 * every table around that POST), so they follow the schema wherever the write path takes it.
 */
export interface MySqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export const mysqlTarget = (): MySqlTarget => ({
  host: process.env.MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.MYSQL_PORT ?? 3306),
  user: process.env.MYSQL_USER ?? 'root',
  password: process.env.MYSQL_PASSWORD ?? '',
});

/** `database` on `target`, as the service's (and the migrations') environment. */
export const mysqlEnv = (target: MySqlTarget, database: string) => ({
  MYSQL_HOST: target.host,
  MYSQL_PORT: String(target.port),
  MYSQL_USER: target.user,
  MYSQL_PASSWORD: target.password,
  MYSQL_DATABASE: database,
});

export async function createScratchDatabase(target: MySqlTarget, purpose: string): Promise<string> {
  const name = `bench_${purpose}_${randomUUID().slice(0, 8)}`;
  const admin = await createConnection(target);
  try {
    await admin.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_bin`);
  } finally {
    await admin.end();
  }
  return name;
}

export async function dropDatabase(target: MySqlTarget, name: string): Promise<void> {
  const admin = await createConnection(target);
  try {
    await admin.query(`drop database if exists \`${name}\``);
  } finally {
    await admin.end();
  }
}

type Row = Record<string, unknown>;
/** Every table's rows, keyed by table name (the migrator's own tables left out). */
export type Snapshot = Map<string, Row[]>;

export async function snapshot(target: MySqlTarget, database: string): Promise<Snapshot> {
  const connection = await createConnection({ ...target, database, timezone: 'Z', supportBigNumbers: true });
  try {
    const [tables] = await connection.query<RowDataPacket[]>(
      "select table_name as name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' and table_name not like 'kysely_%'",
      [database],
    );
    const result: Snapshot = new Map();
    for (const { name } of tables) {
      const [rows] = await connection.query<RowDataPacket[]>(`select * from \`${name}\``);
      result.set(String(name), rows as Row[]);
    }
    return result;
  } finally {
    await connection.end();
  }
}

/** The rows present in `after` and not in `before`: what one request wrote (inserts and upserts). */
export function written(before: Snapshot, after: Snapshot): Snapshot {
  const result: Snapshot = new Map();
  for (const [table, rows] of after) {
    const old = new Set((before.get(table) ?? []).map((row) => JSON.stringify(row)));
    const added = rows.filter((row) => !old.has(JSON.stringify(row)));
    if (added.length > 0) result.set(table, added);
  }
  return result;
}

export const rowCount = (rows: Snapshot) => [...rows.values()].reduce((sum, list) => sum + list.length, 0);

const uuidPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * One fresh copy of the captured rows: every UUID (order id, message ids) is replaced by a new
 * one, consistently inside the copy, and the captured customer by one of many, as the load
 * spreads orders over customers. Timestamps stay, so rollup rows keyed by hour collide as the
 * service's do.
 */
function freshCopy(rows: Snapshot, customer: string, captured: string): Snapshot {
  const ids = new Map<string, string>();
  const renewId = (id: string) => {
    const fresh = ids.get(id) ?? uuidv7();
    ids.set(id, fresh);
    return fresh;
  };
  const renew = (value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    return value.replace(uuidPattern, renewId).replaceAll(captured, customer);
  };
  const copy: Snapshot = new Map();
  for (const [table, list] of rows) {
    copy.set(
      table,
      list.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, renew(value)]))),
    );
  }
  return copy;
}

interface TableShape {
  columns: string[];
  /** Numeric columns outside the primary key: counters a duplicate key adds to, as the rollups do. */
  counters: string[];
}

async function tableShapes(connection: Pool, database: string, rows: Snapshot) {
  const shapes = new Map<string, TableShape>();
  for (const [table, list] of rows) {
    const [columns] = await connection.query<RowDataPacket[]>(
      'select column_name as name, data_type as type, column_key as k from information_schema.columns where table_schema = ? and table_name = ?',
      [database, table],
    );
    const numeric = new Set(['int', 'bigint', 'smallint', 'tinyint', 'decimal', 'double', 'float']);
    shapes.set(table, {
      columns: Object.keys(list[0] ?? {}),
      counters: columns
        .filter((c) => c.k !== 'PRI' && numeric.has(String(c.type)))
        .map((c) => String(c.name)),
    });
  }
  return shapes;
}

/** One multi-row `insert … on duplicate key update` per table: the fewest statements the writes allow. */
function statements(rows: Snapshot, shapes: Map<string, TableShape>): Array<[string, unknown[]]> {
  return [...rows].map(([table, list]) => {
    const shape = shapes.get(table) as TableShape;
    const placeholders = list.map(() => `(${shape.columns.map(() => '?').join(', ')})`).join(', ');
    const first = shape.columns[0] as string;
    const updates =
      shape.counters.length > 0
        ? shape.counters.map((c) => `\`${c}\` = \`${c}\` + values(\`${c}\`)`).join(', ')
        : `\`${first}\` = \`${first}\``;
    return [
      `insert into \`${table}\` (${shape.columns.map((c) => `\`${c}\``).join(', ')}) values ${placeholders} on duplicate key update ${updates}`,
      list.flatMap((row) => shape.columns.map((c) => row[c])),
    ];
  });
}

export interface RawResult {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  statementsPerTransaction: number;
}

/**
 * Replays `rows` (fresh ids each time) in one transaction each, `concurrency` at a time, for
 * `seconds` after `warmupSeconds`, into `database` (already migrated, not used by a service).
 */
export async function replayTransactions(options: {
  target: MySqlTarget;
  database: string;
  rows: Snapshot;
  capturedCustomer: string;
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
}): Promise<RawResult> {
  const { target, database, rows, capturedCustomer, concurrency } = options;
  const pool: Pool = createPool({
    ...target,
    database,
    connectionLimit: concurrency,
    timezone: 'Z',
    supportBigNumbers: true,
    charset: 'utf8mb4',
  });
  const shapes = await tableShapes(pool, database, rows);
  // The service runs READ COMMITTED (connection.ts); so does its baseline.
  pool.on('connection', (connection) => {
    connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  });

  let n = 0;
  const once = async () => {
    const copy = freshCopy(rows, `bench-cust-${String(n++ % 1000).padStart(6, '0')}`, capturedCustomer);
    const connection = await pool.getConnection();
    try {
      await connection.query('begin');
      for (const [sql, values] of statements(copy, shapes)) await connection.query(sql, values);
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
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const begun = performance.now();
          try {
            await once();
            latencies.push(performance.now() - begun);
          } catch {
            errors += 1;
          }
        }
      }),
    );
    return { latencies, errors, elapsed: (performance.now() - started) / 1000 };
  };
  try {
    if (options.warmupSeconds > 0) await drive(options.warmupSeconds);
    const { latencies, errors, elapsed } = await drive(options.seconds);
    latencies.sort((a, b) => a - b);
    return {
      perSecond: latencies.length / elapsed,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      errors,
      statementsPerTransaction: rows.size + 2,
    };
  } finally {
    await pool.end();
  }
}

/** The smallest order the saga could write: one row each of order, item, history and outbox. */
export function oneOrderRows(rows: Snapshot): Snapshot {
  const result: Snapshot = new Map();
  for (const table of ['orders', 'order_items', 'order_status_history', 'outbox']) {
    const first = rows.get(table)?.[0];
    if (first) result.set(table, [first]);
  }
  return result;
}

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Tracer } from '@opentelemetry/api';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  type Dialect as KyselyDialect,
  MysqlDialect,
  SqliteDialect,
  sql,
} from 'kysely';
import { type Connection, createConnection, createPool } from 'mysql2';
import type { Config } from '../../config.js';
import { tracedDialect } from '../observability/traced-dialect.js';
import { pipelinedTransactions } from './pipelined-transactions.js';
import type { Database } from './schema.js';
import { defaultLongWalFrames, startCheckpointer } from './sqlite-checkpointer.js';

export type Dialect = 'mysql' | 'sqlite';

export interface DatabaseHandle {
  dialect: Dialect;
  /** The primary: every write and every read that must see the latest write. */
  db: Kysely<Database>;
  /** Where queries go: the read replica when MYSQL_READ_HOST is set, otherwise the primary. */
  readDb: Kysely<Database>;
  /**
   * Round trip to the primary on a connection of its own, never queued behind the pool: readiness
   * asks whether the database answers now, not whether the pool has caught up with an outage.
   */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Kysely prepares every query afresh; compiling the SQL was a seventh of the embedded service's
 * CPU in the bench profile (docs/benchmarks.md). The service runs a few dozen distinct
 * statements, so each is prepared once and kept (least recently used beyond 500). Reuse is safe
 * because better-sqlite3 runs a statement to completion synchronously, and nothing here streams.
 */
function reusingStatements(sqlite: SQLite.Database, capacity = 500) {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SQLite.Statement {
      const cached = statements.get(sql);
      statements.delete(sql);
      const statement = cached ?? sqlite.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) statements.delete(statements.keys().next().value as string);
      return statement;
    },
  };
}

export interface ConnectOptions {
  /** Makes every statement run inside a trace a span of it; absent, nothing is wrapped. */
  tracer?: Tracer | null;
  /** SQLite: WAL frames at which the service checkpoints so the WAL starts over (sqlite-checkpointer.ts). */
  longWalFrames?: number;
}

/**
 * The WAL file is cut back to this size when it starts over; below it, SQLite keeps the file and
 * writes over it. Twice the size at which the service starts the WAL over (sqlite-checkpointer.ts),
 * so that a normal cycle keeps the file: at 64 MB, just under where it cycles, the commit that
 * started it over also cut it, an `ftruncate` of 8 ms on the event loop every ~3.5 s at 50 orders/s
 * (docs/benchmarks.md, 2026-11-28). A WAL that ran long while checkpoints failed is still cut.
 */
const walSizeLimitBytes = (longWalFrames: number, pageSize: number) =>
  2 * longWalFrames * (pageSize + walFrameHeaderBytes);
const walFrameHeaderBytes = 24;

export function connectDatabase(
  config: Config['database'],
  { tracer, longWalFrames = defaultLongWalFrames }: ConnectOptions = {},
): DatabaseHandle {
  const traced = (dialect: KyselyDialect): KyselyDialect =>
    tracer
      ? tracedDialect(dialect, tracer, {
          system: config.kind,
          ...(config.kind === 'mysql' && { namespace: config.database }),
        })
      : dialect;
  if (config.kind === 'sqlite') {
    if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
    const sqlite = new SQLite(config.path);
    // WAL lets readers run beside the writer; busy_timeout waits out other processes' locks.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
    sqlite.pragma(`journal_size_limit = ${walSizeLimitBytes(longWalFrames, pageSize)}`);
    const db = new Kysely<Database>({
      dialect: traced(new SqliteDialect({ database: reusingStatements(sqlite) })),
    });
    // The service's commits never checkpoint; a worker thread does (sqlite-checkpointer.ts), and
    // when the WAL has grown long the service copies the frames left (through Kysely, so between
    // two transactions) and its next commit starts the WAL over. One that fails is asked for
    // again after the worker's next checkpoint.
    const checkpointer =
      config.path === ':memory:'
        ? null
        : startCheckpointer(config.path, {
            onFailure: () => sqlite.pragma('wal_autocheckpoint = 1000'),
            onLongWal: () => void sql`pragma wal_checkpoint(PASSIVE)`.execute(db).catch(() => undefined),
            longWalFrames,
          });
    if (checkpointer) sqlite.pragma('wal_autocheckpoint = 0');
    return {
      dialect: 'sqlite',
      db,
      readDb: db,
      ping: async () => void (await sql`select 1`.execute(db)),
      async close() {
        await checkpointer?.stop();
        await db.destroy();
      },
    };
  }
  const pool = (host: string) =>
    createPool({
      host,
      port: config.port,
      user: config.user,
      password: config.password,
      database: config.database,
      connectionLimit: config.poolSize,
      // Bounded: a saturated pool fails fast instead of queueing requests forever.
      queueLimit: config.poolSize * 50,
      connectTimeout: 5_000,
      timezone: 'Z',
      supportBigNumbers: true,
      charset: 'utf8mb4',
      // A transaction's closing writes go as one query (statement-batch.ts). Every statement is
      // built by Kysely with its values as parameters, which mysql2 escapes; no SQL is pieced
      // together from input, so a value cannot smuggle in a statement of its own.
      multipleStatements: true,
    });
  const kysely = (host: string) =>
    new Kysely<Database>({
      dialect: pipelinedTransactions(
        traced(
          new MysqlDialect({
            pool: pool(host),
            // READ COMMITTED for every transaction, set once per connection rather than per transaction:
            // correctness comes from row locks (FOR UPDATE) and version checks, and REPEATABLE READ's gap
            // locks would make concurrent outbox inserts deadlock with the relay's FOR UPDATE SKIP LOCKED scan.
            onCreateConnection: (connection) =>
              connection
                .executeQuery(CompiledQuery.raw('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'))
                .then(() => undefined),
          }),
        ),
      ),
    });
  const db = kysely(config.host);
  const readDb = config.readHost ? kysely(config.readHost) : db;
  const pinger = dedicatedPing(config);
  return {
    dialect: 'mysql',
    db,
    readDb,
    ping: pinger.ping,
    async close() {
      pinger.close();
      await db.destroy();
      if (readDb !== db) await readDb.destroy();
    },
  };
}

/**
 * One connection kept for pings. An error destroys it and the next ping opens a new one; a ping
 * that only times out leaves it be (a slow handshake on a busy machine must not start over on
 * every ping), unless it has not answered for `stuckMs`.
 */
function dedicatedPing(config: Extract<Config['database'], { kind: 'mysql' }>, stuckMs = 10_000) {
  let connection: Connection | null = null;
  let waitingSince: number | null = null;
  const drop = () => {
    connection?.destroy();
    connection = null;
    waitingSince = null;
  };
  return {
    ping(timeoutMs: number): Promise<void> {
      if (!connection) {
        connection = createConnection({
          host: config.host,
          port: config.port,
          user: config.user,
          password: config.password,
          database: config.database,
          connectTimeout: stuckMs,
        });
        // Without a listener a lost connection's error would be thrown as an uncaught exception.
        connection.on('error', drop);
      }
      const current = connection;
      waitingSince ??= Date.now();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          if (connection === current && waitingSince !== null && Date.now() - waitingSince > stuckMs) drop();
          reject(new Error(`database did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        current.query('select 1', (error) => {
          clearTimeout(timer);
          if (error) {
            if (connection === current) drop();
            reject(error);
          } else {
            if (connection === current) waitingSince = null;
            resolve();
          }
        });
      });
    },
    close: drop,
  };
}

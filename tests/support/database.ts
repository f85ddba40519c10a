import { randomBytes } from 'node:crypto';
import { createPool } from 'mysql2';
import { createConnection } from 'mysql2/promise';
import { loadConfig } from '../../src/config.js';
import { connectDatabase, type DatabaseHandle } from '../../src/infrastructure/db/connection.js';

/** The MariaDB/MySQL server the integration tests use, from the same variables as the service. */
export function mysqlServer() {
  return {
    MYSQL_HOST: process.env.MYSQL_HOST || '127.0.0.1',
    MYSQL_PORT: process.env.MYSQL_PORT || '3306',
    MYSQL_USER: process.env.MYSQL_USER || 'root',
    MYSQL_PASSWORD: process.env.MYSQL_PASSWORD || '',
  };
}

/**
 * A mysql2 pool to `database` configured as the service's (connection.ts) where it matters to the
 * statements sent: multi-statement queries allowed. For tests that build a Kysely of their own.
 */
export function servicePool(database: string) {
  const server = mysqlServer();
  return createPool({
    host: server.MYSQL_HOST,
    port: Number(server.MYSQL_PORT),
    user: server.MYSQL_USER,
    password: server.MYSQL_PASSWORD,
    database,
    multipleStatements: true,
  });
}

/**
 * Creates an empty database with a unique name, so test files can run in parallel on one
 * server; `drop` removes it.
 */
export async function createTestDatabase(
  prefix = 'order_test',
): Promise<{ name: string; drop(): Promise<void> }> {
  const server = mysqlServer();
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection({
    host: server.MYSQL_HOST,
    port: Number(server.MYSQL_PORT),
    user: server.MYSQL_USER,
    password: server.MYSQL_PASSWORD,
  });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.end();
  return {
    name,
    async drop() {
      const connection = await createConnection({
        host: server.MYSQL_HOST,
        port: Number(server.MYSQL_PORT),
        user: server.MYSQL_USER,
        password: server.MYSQL_PASSWORD,
      });
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await connection.end();
    },
  };
}

/**
 * A connection, as the service makes it, to an in-memory SQLite database or to a fresh MariaDB
 * database; `close` also drops the MariaDB one.
 */
export async function connectTestDatabase(
  dialect: 'sqlite' | 'mysql',
): Promise<{ handle: DatabaseHandle; close(): Promise<void> }> {
  const database = dialect === 'mysql' ? await createTestDatabase() : null;
  const config = loadConfig(
    database
      ? { ENV: 'test', ...mysqlServer(), MYSQL_DATABASE: database.name }
      : { ENV: 'test', SQLITE_PATH: ':memory:' },
    { verifiesTokens: false },
  );
  const handle = connectDatabase(config.database);
  return {
    handle,
    async close() {
      await handle.close();
      await database?.drop();
    },
  };
}

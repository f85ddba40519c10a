import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

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

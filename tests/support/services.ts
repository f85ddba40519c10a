import { connect, createServer } from 'node:net';

/** The broker the integration tests use, from the same variables as the service. */
export function rabbitmqUrl(): string {
  const host = process.env.RABBITMQ_HOST || '127.0.0.1';
  const port = process.env.RABBITMQ_PORT || '5672';
  const user = encodeURIComponent(process.env.RABBITMQ_USER || 'guest');
  const password = encodeURIComponent(process.env.RABBITMQ_PASSWORD || 'guest');
  return `amqp://${user}:${password}@${host}:${port}`;
}

/**
 * Whether RabbitMQ accepts TCP connections. When it does not, the suite fails if
 * REQUIRE_SERVICES=1 (CI), and otherwise warns loudly so the caller can skip its tests.
 */
export async function requireRabbitMq(): Promise<boolean> {
  const host = process.env.RABBITMQ_HOST || '127.0.0.1';
  const port = Number(process.env.RABBITMQ_PORT || 5672);
  return requireService('RabbitMQ', host, port);
}

/** Whether MariaDB/MySQL (MYSQL_HOST/MYSQL_PORT, default 127.0.0.1:3306) accepts connections; same rules. */
export async function requireMariaDb(): Promise<boolean> {
  return requireService(
    'MariaDB',
    process.env.MYSQL_HOST || '127.0.0.1',
    Number(process.env.MYSQL_PORT || 3306),
  );
}

async function requireService(name: string, host: string, port: number): Promise<boolean> {
  const reachable = await isReachable(host, port, 1000);
  if (reachable) return true;
  const message = `${name} is not reachable at ${host}:${port}`;
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`${message} and REQUIRE_SERVICES=1`);
  const banner = '!'.repeat(78);
  console.warn(
    `\n${banner}\n!! ${message}: SKIPPING its integration tests.\n!! Set REQUIRE_SERVICES=1 to fail instead.\n${banner}\n`,
  );
  return false;
}

function isReachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (reachable: boolean) => {
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A free TCP port on loopback, for a child service to listen on. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

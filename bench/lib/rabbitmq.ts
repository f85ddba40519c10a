import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Connection } from 'rabbitmq-client';

const run = promisify(execFile);

export type Rabbit = {
  RABBITMQ_HOST: string;
  RABBITMQ_PORT: string;
  RABBITMQ_USER: string;
  RABBITMQ_PASSWORD: string;
};

/** The broker named by RABBITMQ_* (127.0.0.1:5672 guest by default), as the service's environment. */
export const rabbitTarget = (): Rabbit => ({
  RABBITMQ_HOST: process.env.RABBITMQ_HOST ?? '127.0.0.1',
  RABBITMQ_PORT: process.env.RABBITMQ_PORT ?? '5672',
  RABBITMQ_USER: process.env.RABBITMQ_USER ?? 'guest',
  RABBITMQ_PASSWORD: process.env.RABBITMQ_PASSWORD ?? 'guest',
});

export const amqpUrl = (rabbit: Rabbit) =>
  `amqp://${encodeURIComponent(rabbit.RABBITMQ_USER)}:${encodeURIComponent(rabbit.RABBITMQ_PASSWORD)}@${rabbit.RABBITMQ_HOST}:${rabbit.RABBITMQ_PORT}`;

/**
 * Deletes the queues and exchanges a run created (all named with its unique prefix). Listing
 * needs `rabbitmqctl` on this machine; without it the names are left and the bench says so.
 */
export async function deleteBrokerNames(rabbit: Rabbit, prefix: string): Promise<void> {
  const list = async (what: 'list_queues' | 'list_exchanges') => {
    const { stdout } = await run('rabbitmqctl', [what, 'name', '-q', '-s']);
    return stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((name) => name.startsWith(prefix));
  };
  let queues: string[];
  let exchanges: string[];
  try {
    [queues, exchanges] = [await list('list_queues'), await list('list_exchanges')];
  } catch {
    console.log(`(rabbitmqctl not available: queues and exchanges named ${prefix}* are left on the broker)`);
    return;
  }
  const connection = new Connection({
    url: amqpUrl(rabbit),
    connectionName: `${prefix}bench-cleanup`,
  });
  connection.on('error', () => {});
  try {
    for (const queue of queues) await connection.queueDelete({ queue });
    for (const exchange of exchanges) await connection.exchangeDelete({ exchange });
  } finally {
    await connection.close();
  }
}

import { performance } from 'node:perf_hooks';
import { createConnection } from 'mysql2/promise';
import { Connection } from 'rabbitmq-client';
import type { MySqlTarget } from './raw-mysql.js';
import { percentile } from './stats.js';

/**
 * Row 1's limit: the least time one order can take on this machine, whatever the code. Every
 * step of POST→CONFIRMED waits for something durable — a database commit (the service's three,
 * the participants' two) or a message a quorum queue has written before it delivers (four hops) —
 * so the floor is those counts times what one such wait costs here, measured one at a time.
 */
export interface LatencyFloor {
  commitP50: number;
  commitP99: number;
  hopP50: number;
  hopP99: number;
}

export const stepsToConfirmed = { commits: 5, hops: 4 };

export function floorMs(floor: LatencyFloor, quantile: 'p50' | 'p99' = 'p50'): number {
  const commit = quantile === 'p50' ? floor.commitP50 : floor.commitP99;
  const hop = quantile === 'p50' ? floor.hopP50 : floor.hopP99;
  return stepsToConfirmed.commits * commit + stepsToConfirmed.hops * hop;
}

/** One small transaction (a row insert and COMMIT) at a time, raw mysql2, `count` times. */
export async function commitLatency(target: MySqlTarget, database: string, count = 300) {
  const connection = await createConnection({ ...target, database });
  try {
    await connection.query('create table floor_probe (id bigint auto_increment primary key, v varchar(36))');
    const times: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const started = performance.now();
      await connection.query('begin');
      await connection.query('insert into floor_probe (v) values (?)', [String(i)]);
      await connection.query('commit');
      times.push(performance.now() - started);
    }
    await connection.query('drop table floor_probe');
    return summary(times);
  } finally {
    await connection.end();
  }
}

/**
 * One persistent message at a time through a quorum queue: publish with a confirm and wait
 * until a consumer has it (prefetch 1, acked at once), `count` times.
 */
export async function brokerHopLatency(url: string, queue: string, count = 300) {
  const connection = new Connection({ url, connectionName: `${queue}-probe`, noDelay: true });
  connection.on('error', () => {});
  let arrived: (() => void) | null = null;
  const consumer = connection.createConsumer(
    {
      queue,
      queueOptions: { durable: true, arguments: { 'x-queue-type': 'quorum' } },
      qos: { prefetchCount: 1 },
    },
    async () => arrived?.(),
  );
  const publisher = connection.createPublisher({ confirm: true });
  try {
    await new Promise<void>((resolve) => consumer.once('ready', () => resolve()));
    const times: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const started = performance.now();
      const delivered = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      await publisher.send({ routingKey: queue, durable: true }, { n: i });
      await delivered;
      times.push(performance.now() - started);
    }
    return summary(times);
  } finally {
    await publisher.close();
    await consumer.close();
    await connection.queueDelete({ queue }).catch(() => undefined);
    await connection.close();
  }
}

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/**
 * `npm run bench -- ab-saga`: row 2 (saga saturation) for two settings of the service in one run.
 * Two whole stacks, A and B (the service as the image runs it and its simulator process, each
 * on its own scratch database and queue prefix), take 50 unpaced connections in turns, A B B A
 * B A A B …, so that this kind of machine's changes of speed (it can halve for minutes, see
 * docs/benchmarks.md) fall on both alike; one full run per setting, back to back, compares two
 * moments as much as two settings.
 *
 * Variables: AB_A_ENV and AB_B_ENV (`KEY=value,KEY=value`, as BENCH_SERVICE_ENV), AB_A_NODE_ARGS
 * and AB_B_NODE_ARGS (Node/V8 flags added to the image's), AB_ROUNDS (pairs of turns, 6),
 * AB_SECONDS (each turn's load, 10); MYSQL_* and RABBITMQ_* as for the table.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { customerTokens, hs256Token, placeOrders, placeOrdersPaced, readOutcomes } from './lib/http-load.js';
import { buildDist, type Child, envList, runNode, startNode, startService } from './lib/processes.js';
import { deleteBrokerNames, rabbitTarget } from './lib/rabbitmq.js';
import { createScratchDatabase, dropDatabase, mysqlEnv, mysqlTarget } from './lib/raw-mysql.js';

export async function run(): Promise<void> {
  const rounds = Number(process.env.AB_ROUNDS ?? 6);
  const seconds = Number(process.env.AB_SECONDS ?? 10);
  const runDir = mkdtempSync(join(tmpdir(), 'order-bench-ab-'));
  console.log(`Run directory (process logs): ${runDir}`);
  const target = mysqlTarget();
  const secret = randomBytes(32).toString('hex');
  const tokenFor = customerTokens(secret);
  const adminToken = `Bearer ${hs256Token(secret, 'bench-admin', ['admin'])}`;
  const rabbit = rabbitTarget();
  const started: Child[] = [];
  const cleanup: Array<() => Promise<unknown>> = [];
  await buildDist(runDir);

  const stack = async (name: 'A' | 'B') => {
    const prefix = `bench-${randomBytes(4).toString('hex')}.`;
    cleanup.push(() => deleteBrokerNames(rabbit, prefix));
    const database = await createScratchDatabase(target, `ab${name.toLowerCase()}`);
    cleanup.push(() => dropDatabase(target, database));
    const connected = { ...mysqlEnv(target, database), ...rabbit, RABBITMQ_NAME_PREFIX: prefix };
    await runNode(`migrate-${name}`, 'dist/scripts/migrate.js', connected, runDir);
    started.push(
      startNode(
        `simulators-${name}`,
        'dist/src/simulators-main.js',
        { ENV: 'production', ...connected },
        runDir,
      ),
    );
    const env = envList(process.env[`AB_${name}_ENV`]);
    const nodeArgs = (process.env[`AB_${name}_NODE_ARGS`] ?? '').split(' ').filter(Boolean);
    const { service, url } = await startService(
      `service-${name}`,
      { secret, env: { SIMULATORS_EMBEDDED: 'false', ...connected, ...env }, nodeArgs },
      runDir,
    );
    started.push(service);
    console.log(
      `${name}: environment ${JSON.stringify(env)}, Node flags added: ${nodeArgs.join(' ') || 'none'}`,
    );
    return { name, url };
  };

  /** One turn of row 2's load: orders confirmed inside the window, per second. */
  const turn = async (url: string) => {
    const overload = await placeOrders(url, tokenFor, { connections: 50, seconds });
    const outcomes = await readOutcomes(url, adminToken, overload.ids, 120_000);
    const { startedAt, endedAt } = overload.result;
    const confirmed = outcomes.filter((o) => o.confirmedAt !== null && o.confirmedAt <= endedAt).length;
    return {
      confirmed: confirmed / ((endedAt - startedAt) / 1000),
      accepted: overload.ids.length / ((endedAt - startedAt) / 1000),
    };
  };

  try {
    const a = await stack('A');
    const b = await stack('B');
    console.log(
      `Warm-up (3 s at 30 orders/s, then a turn), then ${rounds} rounds of a turn each, ${seconds} s a turn (50 connections, unpaced)`,
    );
    // Paced first, as a service meets traffic before an overload: the saga backlog's limit learns
    // the saga's own time from seconds like these (src/api/saga-backlog-limit.ts).
    for (const side of [a, b]) await placeOrdersPaced(side.url, tokenFor, { rate: 30, seconds: 3 });
    await turn(a.url);
    await turn(b.url);
    const confirmed = { A: [] as number[], B: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? [a, b] : [b, a]) {
        const result = await turn(side.url);
        confirmed[side.name].push(result.confirmed);
        console.log(
          `${new Date().toISOString().slice(11, 19)} ${side.name}: ${result.confirmed.toFixed(0)} confirmed/s, ${result.accepted.toFixed(0)} accepted/s`,
        );
      }
    }
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const bAhead = confirmed.B.filter(
      (value, index) => value > (confirmed.A[index] ?? Number.POSITIVE_INFINITY),
    ).length;
    console.log(
      `\nconfirmed/s: A ${mean(confirmed.A).toFixed(0)}, B ${mean(confirmed.B).toFixed(0)}, B ÷ A ${(mean(confirmed.B) / mean(confirmed.A)).toFixed(3)}; B ahead in ${bAhead} of ${rounds} rounds (${new Date().toISOString()})`,
    );
  } finally {
    for (const child of started) await child.stop();
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => console.error(error));
  }
}

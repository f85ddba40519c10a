import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import {
  confirmationLatency,
  customerId,
  customerTokens,
  hs256Token,
  loadInTurns,
  orderBody,
  placeOrders,
  placeOrdersPaced,
  readOutcomes,
  sagaLegs,
} from './lib/http-load.js';
import { brokerHopLatency, commitLatency, floorMs, stepsToConfirmed } from './lib/latency-floor.js';
import { type CpuSpent, cpuDuring, describeCpuPerOrder, isLoopback, pidsNamed } from './lib/process-cpu.js';
import {
  buildDist,
  type Child,
  deployedService,
  envList,
  freePort,
  runNode,
  startNode,
  startService,
  waitUntilUp,
} from './lib/processes.js';
import { amqpUrl, deleteBrokerNames, rabbitTarget } from './lib/rabbitmq.js';
import {
  createScratchDatabase,
  dropDatabase,
  mysqlEnv,
  mysqlTarget,
  oneOrderRows,
  type RawResult,
  replayTransactions,
  rowCount,
  snapshot,
  written,
} from './lib/raw-mysql.js';
import { type Row, renderTable } from './lib/table.js';

/**
 * `npm run bench` — issue 8's table in one run, each row beside its limit on this machine.
 *
 * Starts everything itself from a fresh clone: it compiles dist/ as the image does, then scratch
 * MariaDB databases, a unique RabbitMQ name prefix, the service as the Dockerfile's CMD runs it
 * (`node <its V8 flags> dist/src/main.js`), the simulator process (`dist/src/simulators-main.js`)
 * and the bare baseline route, each as its own process; removes them afterwards. It talks to the service
 * over HTTP only and to MariaDB with raw SQL, so it measures whatever the write path becomes.
 *
 * Flags: --quick (short runs, to check it works), --profile (service and simulators under
 * --cpu-prof; the profiles land in the run directory), --only=write,connected,embedded (a
 * subset of stages).
 * Variables: MYSQL_HOST/PORT/USER/PASSWORD (127.0.0.1:3306 root), RABBITMQ_HOST/PORT/USER/
 * PASSWORD (127.0.0.1:5672 guest). The service runs with its own defaults apart from what the
 * bench must set (production, RATE_LIMIT_MAX=0, its port, database and prefix); BENCH_SERVICE_ENV
 * adds more as `KEY=value,KEY=value` (a value may hold `=`); BENCH_NODE_ARGS adds Node/V8 flags to
 * the service's own, space-separated (to try a flag before it goes into the Dockerfile).
 */
export async function run(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const profile = argv.includes('--profile');
  const only = argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const stageOn = (stage: string) => !only || only.includes(stage);
  const s = quick
    ? { paced: 5, overload: 8, write: 4, get: 4, raw: 3, warmup: 1 }
    : { paced: 20, overload: 30, write: 10, get: 10, raw: 10, warmup: 2 };

  // Other work on the machine moves every figure; the table says how busy it was.
  const load1 = () => loadavg()[0]?.toFixed(1) ?? '?';
  const loadAtStart = load1();
  const runDir = mkdtempSync(join(tmpdir(), 'order-bench-'));
  mkdirSync(join(runDir, 'profiles'));
  console.log(`Run directory (process logs${profile ? ', CPU profiles' : ''}): ${runDir}`);
  const target = mysqlTarget();
  const secret = randomBytes(32).toString('hex');
  const adminToken = `Bearer ${hs256Token(secret, 'bench-admin', ['admin'])}`;
  const tokenFor = customerTokens(secret);
  const rabbit = rabbitTarget();
  const mysql = (database: string) => mysqlEnv(target, database);
  const extra = envList(process.env.BENCH_SERVICE_ENV);
  const cleanup: Array<() => Promise<unknown>> = [];
  const started: Child[] = [];
  console.log('Compiling dist/ (tsc -p tsconfig.build.json), as the image does');
  await buildDist(runDir);
  const deployed = deployedService();
  console.log(
    `The service runs as the Dockerfile's CMD: node ${[...deployed.nodeArgs, deployed.script].join(' ')}`,
  );
  /** With --profile, the process writes `<name>.cpuprofile` into the run directory when it exits. */
  const profiled = (name: string) =>
    profile
      ? ['--cpu-prof', `--cpu-prof-dir=${join(runDir, 'profiles')}`, `--cpu-prof-name=${name}.cpuprofile`]
      : [];
  /** The service with the bench's extra settings (BENCH_SERVICE_ENV, BENCH_NODE_ARGS, --profile). */
  const startMeasured = async (name: string, env: Record<string, string>) => {
    const running = await startService(
      name,
      {
        secret,
        env: { ...env, ...extra },
        nodeArgs: [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), ...profiled(name)],
      },
      runDir,
    );
    started.push(running.service);
    return running;
  };
  const migratedDatabase = async (purpose: string) => {
    const database = await createScratchDatabase(target, purpose);
    cleanup.push(() => dropDatabase(target, database));
    await runNode(`migrate-${purpose}`, 'dist/scripts/migrate.js', { ...mysql(database) }, runDir);
    return database;
  };

  let rawOneOrder: RawResult | undefined;
  const rows: Row[] = [];
  /** Where each measured phase's CPU went, printed under the table. */
  const cpuLines: string[] = [];
  const cpuLine = (phase: string, spent: CpuSpent, orders: number) =>
    cpuLines.push(`- ${phase}: ${describeCpuPerOrder(spent, orders, cpus().length)}`);
  try {
    if (stageOn('write')) rows.push(...(await writePathStage()));
    if (stageOn('connected')) rows.push(...(await connectedStage()));
    if (stageOn('embedded')) rows.push(...(await embeddedStage()));
  } finally {
    for (const child of started) await child.stop();
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => console.error(error));
  }
  console.log(`\n${renderTable(rows)}`);
  if (cpuLines.length > 0) console.log(`\nCPU per order, by process:\n${cpuLines.join('\n')}`);
  // Named, so a table from `--only=connected` is not taken for one of every row.
  const stages = only ? `the ${only.join(', ')} stage${only.length > 1 ? 's' : ''}` : 'every stage';
  console.log(
    `\n${new Date().toISOString()}, ${quick ? 'quick' : 'full-length'} run of ${stages} on ${cpus().length} CPUs, load average ` +
      `${loadAtStart} at the start and ${load1()} at the end; process logs in ${runDir}. ` +
      'Latencies to CONFIRMED are from the orders’ own timestamps (createdAt to the CONFIRMED entry).',
  );

  /** Row 3 and the raw baselines: POST with nobody answering the saga, beside the same writes in raw SQL. */
  async function writePathStage(): Promise<Row[]> {
    const prefix = `bench-${randomBytes(4).toString('hex')}.`;
    cleanup.push(() => deleteBrokerNames(rabbit, prefix));
    const database = await migratedDatabase('write');
    const { service, url } = await startMeasured('service-write', {
      ...mysql(database),
      ...rabbit,
      RABBITMQ_NAME_PREFIX: prefix,
      SIMULATORS_EMBEDDED: 'false',
      SAGA_BACKLOG_LIMIT: '0',
    });
    const before = await snapshot(target, database);
    const first = await placeOne(url, tokenFor);
    const one = written(before, await snapshot(target, database));
    console.log(`One POST wrote ${rowCount(one)} rows in ${one.size} tables: ${[...one.keys()].join(', ')}`);

    console.log(`Row 3: POST /api/orders, participants stopped, 50 connections, ${s.write} s`);
    const post = await placeOrders(url, tokenFor, { connections: 50, seconds: s.write });
    await service.stop();

    const rawDatabase = await migratedDatabase('raw');
    console.log('Baseline: the same writes in one transaction, raw mysql2, 32 concurrent');
    const same = await replayTransactions({
      target,
      database: rawDatabase,
      rows: one,
      capturedCustomer: first.customerId,
      concurrency: 32,
      seconds: s.raw,
      warmupSeconds: s.warmup,
    });
    console.log('Baseline: one order (order, item, history, outbox rows) per transaction, 32 concurrent');
    rawOneOrder = await replayTransactions({
      target,
      database: rawDatabase,
      rows: oneOrderRows(one),
      capturedCustomer: first.customerId,
      concurrency: 32,
      seconds: s.raw,
      warmupSeconds: s.warmup,
    });
    return [
      {
        row: '3. POST /api/orders, participants stopped (write path alone)',
        measured: `${post.result.okPerSecond.toFixed(0)} req/s, p50 ${post.result.p50} ms, p99 ${post.result.p99} ms, non-2xx ${post.result.non2xx}`,
        limit: `raw mysql2, same ${rowCount(one)} rows in ${one.size} multi-row inserts per tx, 32 concurrent: ${same.perSecond.toFixed(0)} tx/s (p99 ${same.p99.toFixed(1)} ms)`,
        ratio: post.result.okPerSecond / same.perSecond,
        target: 'ratio ≥ 0.6',
        met: post.result.okPerSecond / same.perSecond >= 0.6,
      },
    ];
  }

  /** Rows 1, 2, 4 and 6: the connected shape with the simulators as their own process. */
  async function connectedStage(): Promise<Row[]> {
    const prefix = `bench-${randomBytes(4).toString('hex')}.`;
    cleanup.push(() => deleteBrokerNames(rabbit, prefix));
    const database = await migratedDatabase('saga');
    const connected = { ...mysql(database), ...rabbit, RABBITMQ_NAME_PREFIX: prefix };
    const simulators = startNode(
      'simulators',
      'dist/src/simulators-main.js',
      { ENV: 'production', ...connected },
      runDir,
      profiled('simulators'),
    );
    started.push(simulators);
    const { service, url } = await startMeasured('service-connected', {
      ...connected,
      SIMULATORS_EMBEDDED: 'false',
    });
    const result: Row[] = [];
    // The database's and the broker's processes count where they run on this machine.
    const connectedProcesses = {
      service: [service.pid],
      simulators: [simulators.pid],
      MariaDB: isLoopback(target.host) ? pidsNamed('mariadbd', 'mysqld') : [],
      RabbitMQ: isLoopback(rabbit.RABBITMQ_HOST) ? pidsNamed('beam.smp') : [],
    };

    console.log('Row 1 limit: one commit at a time (raw mysql2), one message at a time (quorum queue)');
    const floorDatabase = await migratedDatabase('floor');
    const commit = await commitLatency(target, floorDatabase, quick ? 100 : 300);
    const hop = await brokerHopLatency(amqpUrl(rabbit), `${prefix}floor-probe`, quick ? 100 : 300);
    const floor = { commitP50: commit.p50, commitP99: commit.p99, hopP50: hop.p50, hopP99: hop.p99 };

    console.log(`Row 1: POST→CONFIRMED at a paced 50 orders/s, ${s.paced} s`);
    await placeOrdersPaced(url, tokenFor, { seconds: s.warmup, rate: 50 });
    const { value: paced, spent: pacedCpu } = await cpuDuring(connectedProcesses, () =>
      placeOrdersPaced(url, tokenFor, { seconds: s.paced, rate: 50 }),
    );
    cpuLine('Row 1, 50 orders/s', pacedCpu, paced.ids.length);
    const pacedOutcomes = confirmationLatency(await readOutcomes(url, adminToken, paced.ids, 120_000));
    const legs = (await sagaLegs(url, adminToken, paced.ids))
      .map((leg) => `${leg.command} → reply p50 ${leg.p50} ms, p99 ${leg.p99} ms`)
      .join('; ');
    result.push({
      row: '1. POST→CONFIRMED over RabbitMQ, simulators own process, 50 orders/s',
      measured: `p50 ${pacedOutcomes.p50} ms, p99 ${pacedOutcomes.p99} ms (${pacedOutcomes.confirmed} confirmed, ${pacedOutcomes.notConfirmed} not, POST p99 ${paced.result.p99} ms; legs: ${legs})`,
      limit: `${stepsToConfirmed.commits} commits + ${stepsToConfirmed.hops} quorum-queue hops, each alone: commit p50 ${commit.p50.toFixed(1)} ms (p99 ${commit.p99.toFixed(1)}), hop p50 ${hop.p50.toFixed(1)} ms (p99 ${hop.p99.toFixed(1)}) → floor p50 ${floorMs(floor).toFixed(0)} ms`,
      ratio: floorMs(floor) / Math.max(1, pacedOutcomes.p50),
      target: 'p50 ≤ 15 ms, p99 ≤ 50 ms',
      met: pacedOutcomes.p50 <= 15 && pacedOutcomes.p99 <= 50,
    });

    console.log(
      `Row 4: GET /api/orders/{id} and the bare route, 50 connections, ${s.get} s each in turns (A, B, B, A)`,
    );
    const owned = paced.orders;
    const documentFile = join(runDir, 'order.json');
    const sample = owned[0];
    if (!sample) throw new Error('No order to read');
    const document = await fetch(`${url}/api/orders/${sample.id}`, {
      headers: { authorization: adminToken },
    });
    writeFileSync(documentFile, await document.text());
    const barePort = await freePort();
    const bare = startNode(
      'bare-route',
      'bench/bare-route.ts',
      { BARE_PORT: String(barePort), BARE_SECRET: secret, BARE_BODY_FILE: documentFile },
      runDir,
    );
    started.push(bare);
    await waitUntilUp(`http://127.0.0.1:${barePort}/health/live`, bare, runDir);
    /** GETs of the orders row 1 placed, each with its owner's token, round robin. */
    const ownedOrderGets = (baseUrl: string): autocannon.Options => {
      let next = 0;
      return {
        url: baseUrl,
        connections: 50,
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => {
              const order = owned[next++ % owned.length] as { id: string; customerId: string };
              return {
                ...request,
                path: `/api/orders/${order.id}`,
                headers: { authorization: tokenFor(order.customerId) },
              };
            },
          },
        ],
      };
    };
    const { a: get, b: bareLoad } = await loadInTurns(
      ownedOrderGets(url),
      ownedOrderGets(`http://127.0.0.1:${barePort}`),
      s.get,
      s.warmup,
    );
    await bare.stop();
    const perTurn = (rates: number[]) => rates.map((rate) => rate.toFixed(0)).join(', ');
    result.push({
      row: '4. GET /api/orders/{id}, 50 connections, in turns with the bare route',
      measured: `${get.okPerSecond.toFixed(0)} req/s (turns ${perTurn(get.turns)}), worse turn p50 ${get.p50} ms, p99 ${get.p99} ms, non-2xx ${get.non2xx}`,
      limit: `bare Fastify + HS256 route, fixed order JSON: ${bareLoad.okPerSecond.toFixed(0)} req/s (turns ${perTurn(bareLoad.turns)}), worse turn p99 ${bareLoad.p99} ms`,
      ratio: get.okPerSecond / bareLoad.okPerSecond,
      target: 'ratio ≥ 0.5, p99 ≤ 10 ms',
      met: get.okPerSecond / bareLoad.okPerSecond >= 0.5 && get.p99 <= 10,
    });

    console.log(`Row 2: saga saturation, 50 connections unpaced for ${s.overload} s`);
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, service.rss());
    }, 250);
    const { value: overload, spent: overloadCpu } = await cpuDuring(connectedProcesses, () =>
      placeOrders(url, tokenFor, { connections: 50, seconds: s.overload }),
    );
    cpuLine('Row 2, saturation (per order accepted)', overloadCpu, overload.ids.length);
    const outcomes = await readOutcomes(url, adminToken, overload.ids, 300_000);
    clearInterval(sampler);
    const window = (overload.result.endedAt - overload.result.startedAt) / 1000;
    const confirmedInWindow = outcomes.filter(
      (o) => o.confirmedAt !== null && o.confirmedAt <= overload.result.endedAt,
    ).length;
    const confirmedPerSecond = confirmedInWindow / window;
    const acceptedPerSecond = overload.ids.length / window;
    const overloadLatency = confirmationLatency(outcomes);
    const refused = overload.result.statusCounts['503'] ?? 0;
    result.push({
      row: '2. saga saturation: confirmed/s vs accepted/s',
      measured: `accepted ${acceptedPerSecond.toFixed(0)}/s, confirmed ${confirmedPerSecond.toFixed(0)}/s in the window, 503 ${(refused / window).toFixed(0)}/s, other non-2xx ${overload.result.non2xx - refused}`,
      limit: 'accepted/s',
      ratio: confirmedPerSecond / acceptedPerSecond,
      target: 'ratio ≥ 0.9',
      met: confirmedPerSecond / acceptedPerSecond >= 0.9,
    });
    if (rawOneOrder) {
      const ratio = confirmedPerSecond / rawOneOrder.perSecond;
      result.push({
        row: '2. saga saturation: confirmed/s vs the raw one-order limit',
        measured: `${confirmedPerSecond.toFixed(0)} confirmed/s`,
        limit: `raw mysql2, one order (order, item, history, outbox rows) per tx, 32 concurrent: ${rawOneOrder.perSecond.toFixed(0)} tx/s`,
        ratio,
        target: 'ratio ≥ 0.1',
        met: ratio >= 0.1,
      });
    }
    result.push({
      row: '2. saga saturation: POST→CONFIRMED during overload',
      measured: `p50 ${overloadLatency.p50} ms, p99 ${overloadLatency.p99} ms (${overloadLatency.notConfirmed} of ${outcomes.length} not confirmed)`,
      limit: '',
      ratio: null,
      target: 'p99 ≤ 1000 ms',
      met: overloadLatency.p99 <= 1000,
    });
    result.push({
      row: '6. service RSS during saturation',
      measured: `peak ${(peakRss / 2 ** 20).toFixed(0)} MB`,
      limit: '',
      ratio: null,
      target: '≤ 200 MB',
      met: peakRss / 2 ** 20 <= 200,
    });
    await service.stop();
    await simulators.stop();
    return result;
  }

  /** Row 5: `npm start` defaults — SQLite, in-process bus, embedded simulators. */
  async function embeddedStage(): Promise<Row[]> {
    const { service, url } = await startMeasured('service-embedded', {
      SQLITE_PATH: join(runDir, 'orders.db'),
    });
    console.log(`Row 5: embedded shape, POST→CONFIRMED at a paced 50 orders/s, ${s.paced} s`);
    await placeOrdersPaced(url, tokenFor, { seconds: s.warmup, rate: 50 });
    const { value: paced, spent } = await cpuDuring({ service: [service.pid] }, () =>
      placeOrdersPaced(url, tokenFor, { seconds: s.paced, rate: 50 }),
    );
    cpuLine('Row 5, embedded, 50 orders/s', spent, paced.ids.length);
    const outcome = confirmationLatency(await readOutcomes(url, adminToken, paced.ids, 60_000));
    await service.stop();
    return [
      {
        row: '5. embedded (SQLite, in-process bus) POST→CONFIRMED, 50 orders/s',
        measured: `p50 ${outcome.p50} ms, p99 ${outcome.p99} ms (${outcome.confirmed} confirmed, ${outcome.notConfirmed} not, POST p99 ${paced.result.p99} ms)`,
        limit: '',
        ratio: null,
        target: 'p99 ≤ 10 ms',
        met: outcome.p99 <= 10,
      },
    ];
  }
}

/** Places exactly one order, so the rows that appear are what one POST writes. */
async function placeOne(url: string, tokenFor: (customer: string) => string) {
  const customer = customerId(0);
  const response = await fetch(`${url}/api/orders`, {
    method: 'POST',
    headers: { authorization: tokenFor(customer), 'content-type': 'application/json' },
    body: orderBody(0),
  });
  if (response.status !== 201) throw new Error(`POST answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { id: string; customerId: string };
}

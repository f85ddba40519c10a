import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { percentile } from './stats.js';

/** HTTP load and what the bench reads back, through the public API only. */

export function hs256Token(secret: string, subject: string, roles: string[]): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: subject, roles, iat: now, exp: now + 7200 })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

export const customerId = (n: number) => `bench-cust-${String(n % 1000).padStart(6, '0')}`;

export function orderBody(n: number): string {
  return JSON.stringify({
    customerId: customerId(n),
    items: [
      { productId: `sku-${n % 50}`, quantity: 1 + (n % 3), price: 19.99 },
      { productId: 'sku-common', quantity: 1, price: 5 },
    ],
    shippingAddress: { street: '1 Bench St', city: 'Boston', state: 'MA', zipCode: '02108' },
  });
}

/** A customer's token per customer id, made once: signing is not what is measured. */
export function customerTokens(secret: string) {
  const tokens = new Map<string, string>();
  return (customer: string) => {
    let token = tokens.get(customer);
    if (!token) {
      token = `Bearer ${hs256Token(secret, customer, ['customer'])}`;
      tokens.set(customer, token);
    }
    return token;
  };
}

export interface LoadResult {
  perSecond: number;
  /** Responses with status 2xx per second. */
  okPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  statusCounts: Record<string, number>;
  startedAt: number;
  endedAt: number;
}

async function load(
  options: autocannon.Options & { duration: number },
  warmupSeconds = 0,
): Promise<LoadResult> {
  if (warmupSeconds > 0) await autocannon({ ...options, duration: warmupSeconds });
  const startedAt = Date.now();
  const result = await autocannon(options);
  const endedAt = Date.now();
  const seconds = (endedAt - startedAt) / 1000;
  const statusCounts: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {}))
    statusCounts[code] = stats?.count ?? 0;
  const ok = Object.entries(statusCounts)
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    perSecond: result.requests.average,
    okPerSecond: ok / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCounts,
    startedAt,
    endedAt,
  };
}

/**
 * Two loads whose ratio is the figure, measured in turns — A, B, B, A, each half of `seconds` —
 * rather than one after the other. This kind of machine changes speed within a minute (a bare
 * route's rate and the load generator's CPU per request moved together by up to 1.8× between
 * runs seconds apart, docs/benchmarks.md 2026-11-27), so two back-to-back runs compared mostly
 * the moments they ran in; the turns cancel a steady drift. Each side's rate is its 2xx answers
 * over its own seconds; its p50 and p99 are those of its worse turn. Each turn's rate is kept,
 * so a reader sees how far the machine moved.
 */
export async function loadInTurns(
  a: autocannon.Options,
  b: autocannon.Options,
  seconds: number,
  warmupSeconds = 0,
): Promise<{ a: LoadResult & { turns: number[] }; b: LoadResult & { turns: number[] } }> {
  const turn = seconds / 2;
  if (warmupSeconds > 0) {
    await autocannon({ ...a, duration: warmupSeconds });
    await autocannon({ ...b, duration: warmupSeconds });
  }
  const turnsOfA = [await load({ ...a, duration: turn })];
  const turnsOfB = [await load({ ...b, duration: turn }), await load({ ...b, duration: turn })];
  turnsOfA.push(await load({ ...a, duration: turn }));
  const turns = (of: LoadResult[]) => of.map((t) => t.okPerSecond);
  return {
    a: { ...combined(turnsOfA), turns: turns(turnsOfA) },
    b: { ...combined(turnsOfB), turns: turns(turnsOfB) },
  };
}

const secondsOf = (result: LoadResult) => (result.endedAt - result.startedAt) / 1000;

function combined(turns: readonly LoadResult[]): LoadResult {
  const sum = (pick: (t: LoadResult) => number) => turns.reduce((total, t) => total + pick(t), 0);
  const seconds = sum(secondsOf);
  const statusCounts: Record<string, number> = {};
  for (const t of turns)
    for (const [code, count] of Object.entries(t.statusCounts))
      statusCounts[code] = (statusCounts[code] ?? 0) + count;
  return {
    perSecond: sum((t) => t.perSecond * secondsOf(t)) / seconds,
    okPerSecond: sum((t) => t.okPerSecond * secondsOf(t)) / seconds,
    p50: Math.max(...turns.map((t) => t.p50)),
    p99: Math.max(...turns.map((t) => t.p99)),
    non2xx: sum((t) => t.non2xx),
    errors: sum((t) => t.errors),
    statusCounts,
    startedAt: Math.min(...turns.map((t) => t.startedAt)),
    endedAt: Math.max(...turns.map((t) => t.endedAt)),
  };
}

/**
 * POSTs orders over keep-alive connections with node:http and keeps what the load functions
 * below report: each answer's status and latency, the orders created (201), transport errors.
 */
function orderPoster(baseUrl: string, tokenFor: (customer: string) => string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const { hostname, port } = new URL(baseUrl);
  const orders: Array<{ id: string; customerId: string }> = [];
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  const startedAt = Date.now();
  let n = 0;

  /** One POST; resolves once it is answered or failed. */
  const post = () =>
    new Promise<void>((resolve) => {
      const i = n++;
      const body = orderBody(i);
      const sentAt = performance.now();
      const req = request(
        {
          agent,
          hostname,
          port,
          method: 'POST',
          path: '/api/orders',
          headers: {
            authorization: tokenFor(customerId(i)),
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            latencies.push(performance.now() - sentAt);
            const status = res.statusCode ?? 0;
            statusCounts[status] = (statusCounts[status] ?? 0) + 1;
            if (status === 201) {
              const order = JSON.parse(Buffer.concat(chunks).toString()) as {
                id: string;
                customerId: string;
              };
              orders.push({ id: order.id, customerId: order.customerId });
            }
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });

  const finish = () => {
    const endedAt = Date.now();
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const ok = Object.entries(statusCounts)
      .filter(([code]) => code.startsWith('2'))
      .reduce((sum, [, count]) => sum + count, 0);
    const seconds = (endedAt - startedAt) / 1000;
    const result: LoadResult = {
      perSecond: latencies.length / seconds,
      okPerSecond: ok / seconds,
      p50: Math.round(percentile(latencies, 0.5)),
      p99: Math.round(percentile(latencies, 0.99)),
      non2xx: latencies.length - ok,
      errors,
      statusCounts,
      startedAt,
      endedAt,
    };
    return { result, orders, ids: orders.map((order) => order.id) };
  };
  return { post, finish };
}

/**
 * POSTs orders at evenly spaced moments, `rate` per second for `seconds`, whether or not earlier
 * ones were answered (an open load, as customers arrive). autocannon's own rate limit is not used
 * for this: it lets each connection send its share back to back at the start of every second, so
 * "50 orders/s" arrives as a burst of 50 and the measured latency is mostly the burst's queue.
 */
export async function placeOrdersPaced(
  baseUrl: string,
  tokenFor: (customer: string) => string,
  options: { rate: number; seconds: number },
) {
  const poster = orderPoster(baseUrl, tokenFor);
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const start = performance.now();
  const inFlight: Array<Promise<unknown>> = [];
  for (let i = 0; i < total; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(poster.post());
  }
  await Promise.all(inFlight);
  return poster.finish();
}

/**
 * POSTs orders for `seconds` as fast as `connections` go.
 * Returns the load figures and the orders created (201).
 */
export async function placeOrders(
  baseUrl: string,
  tokenFor: (customer: string) => string,
  options: { connections: number; seconds: number },
) {
  const orders: Array<{ id: string; customerId: string }> = [];
  let n = 0;
  const result = await load({
    url: baseUrl,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: 'POST',
        path: '/api/orders',
        setupRequest: (request) => {
          const i = n++;
          return {
            ...request,
            headers: { authorization: tokenFor(customerId(i)), 'content-type': 'application/json' },
            body: orderBody(i),
          };
        },
        onResponse: (status, body) => {
          if (status !== 201) return;
          const { id, customerId } = JSON.parse(body) as { id: string; customerId: string };
          orders.push({ id, customerId });
        },
      },
    ],
  });
  return { result, orders, ids: orders.map((order) => order.id) };
}

interface OrderDocument {
  id: string;
  status: string;
  createdAt: string;
  statusHistory: Array<{ status: string; changedAt?: string; at?: string; timestamp?: string }>;
}

export interface Outcome {
  id: string;
  status: string;
  createdAt: number;
  /** When the order reached CONFIRMED (its history entry), if it did. */
  confirmedAt: number | null;
}

const finalStatuses = new Set(['CONFIRMED', 'CANCELLED', 'PROCESSING', 'SHIPPED', 'DELIVERED']);

/**
 * Reads every order back over the API until each is final (or `timeoutMs` passes), `parallel`
 * reads at a time, and returns when each was created and confirmed by the service's own clock.
 */
export async function readOutcomes(
  baseUrl: string,
  adminToken: string,
  ids: readonly string[],
  timeoutMs: number,
  parallel = 16,
): Promise<Outcome[]> {
  const outcomes = new Map<string, Outcome>();
  const deadline = Date.now() + timeoutMs;
  let pending = [...ids];
  while (pending.length > 0 && Date.now() < deadline) {
    const queue = pending;
    pending = [];
    await inParallel(queue, parallel, async (id) => {
      const response = await fetch(`${baseUrl}/api/orders/${id}`, {
        headers: { authorization: adminToken },
      });
      if (!response.ok) {
        pending.push(id);
        return;
      }
      const order = (await response.json()) as OrderDocument;
      const confirmed = order.statusHistory.find((entry) => entry.status === 'CONFIRMED');
      const confirmedAt = confirmed
        ? (confirmed.changedAt ?? confirmed.at ?? confirmed.timestamp)
        : undefined;
      outcomes.set(id, {
        id,
        status: order.status,
        createdAt: Date.parse(order.createdAt),
        confirmedAt: confirmedAt ? Date.parse(confirmedAt) : null,
      });
      if (!finalStatuses.has(order.status)) pending.push(id);
    });
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return [...outcomes.values()];
}

/** POST → CONFIRMED from the order's own timestamps (createdAt to its CONFIRMED entry), in ms. */
export function confirmationLatency(outcomes: readonly Outcome[]) {
  const latencies = outcomes
    .filter((o) => o.confirmedAt !== null)
    .map((o) => (o.confirmedAt as number) - o.createdAt)
    .sort((a, b) => a - b);
  return {
    confirmed: latencies.length,
    notConfirmed: outcomes.length - latencies.length,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

interface TimelineEntry {
  at: string;
  kind: string;
  messageType: string;
}

/**
 * Each saga leg's time, command sent → reply applied, from the orders' timelines (a command's
 * entry is stamped by the transaction that sends it, a reply's by the one that applies it): per
 * command type, p50 and p99 in ms. Where POST → CONFIRMED goes, without a profiler.
 */
export async function sagaLegs(
  baseUrl: string,
  adminToken: string,
  ids: readonly string[],
  parallel = 16,
): Promise<{ command: string; p50: number; p99: number }[]> {
  const legs = new Map<string, number[]>();
  await inParallel(ids, parallel, async (id) => {
    const response = await fetch(`${baseUrl}/api/orders/${id}/timeline`, {
      headers: { authorization: adminToken },
    });
    if (!response.ok) throw new Error(`GET /api/orders/${id}/timeline answered ${response.status}`);
    const { entries } = (await response.json()) as { entries: TimelineEntry[] };
    entries.forEach((entry, index) => {
      const command = entries[index - 1];
      if (entry.kind !== 'reply' || command?.kind !== 'command') return;
      const spans = legs.get(command.messageType) ?? [];
      spans.push(Date.parse(entry.at) - Date.parse(command.at));
      legs.set(command.messageType, spans);
    });
  });
  return [...legs].map(([command, spans]) => {
    spans.sort((a, b) => a - b);
    return { command, p50: percentile(spans, 0.5), p99: percentile(spans, 0.99) };
  });
}

/** Runs `work` on every item, at most `parallel` at a time; rejects with the first failure. */
async function inParallel<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

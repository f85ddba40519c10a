import autocannon from 'autocannon';
import { SignJWT } from 'jose';

/**
 * The saga in the connected shape: orders created per second over HTTP, orders reaching
 * CONFIRMED per second with the simulators answering over RabbitMQ, and the time from POST to
 * CONFIRMED (the order's own timestamps: createdAt and the CONFIRMED entry of its history).
 *
 * Run it twice: at saturation (the default) it shows the most the pipeline confirms per second,
 * and POST → CONFIRMED grows with the queue; with BENCH_RATE below that it shows the latency a
 * customer sees when the service keeps up.
 *
 * BASE_URL (http://localhost:8080), JWT_SECRET, BENCH_CONNECTIONS (20), BENCH_DURATION_S (10),
 * BENCH_RATE (requests/s in all; unset = as fast as the connections go).
 */
export async function run(): Promise<void> {
  const baseUrl = process.env.BASE_URL ?? 'http://localhost:8080';
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
  const duration = Number(process.env.BENCH_DURATION_S ?? 10);
  const rate = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
  const token = await new SignJWT({ roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench-saga')
    .setExpirationTime('1h')
    .sign(
      new TextEncoder().encode(process.env.JWT_SECRET ?? 'development-only-secret-do-not-use-in-production'),
    );
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

  const ids: string[] = [];
  let customer = 0;
  const load = await autocannon({
    url: `${baseUrl}/api/orders`,
    connections,
    duration,
    ...(rate && { overallRate: rate }),
    requests: [
      {
        method: 'POST',
        headers,
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            customerId: `bench-${customer++ % 1000}`,
            items: [
              { productId: `sku-${customer % 50}`, quantity: 1 + (customer % 3), price: 19.99 },
              { productId: 'sku-common', quantity: 1, price: 5 },
            ],
            shippingAddress: { street: '1 Bench St', city: 'Boston', state: 'MA', zipCode: '02108' },
          }),
        }),
        onResponse: (status, body) => {
          if (status === 201) ids.push((JSON.parse(body) as { id: string }).id);
        },
      },
    ],
  });

  const finals = await waitForFinalStates(baseUrl, headers, ids);
  const latencies = finals
    .filter((order) => order.status === 'CONFIRMED')
    .map((order) => confirmedAt(order) - Date.parse(order.createdAt))
    .sort((a, b) => a - b);
  const firstCreated = Math.min(...finals.map((order) => Date.parse(order.createdAt)));
  const lastConfirmed = Math.max(...finals.filter((o) => o.status === 'CONFIRMED').map(confirmedAt));
  const confirmedCount = latencies.length;

  console.table([
    {
      load: rate ? `${rate}/s` : `${connections} connections`,
      'orders created': ids.length,
      'created/s': round(ids.length / duration),
      'POST p50 ms': load.latency.p50,
      'POST p99 ms': load.latency.p99,
      confirmed: confirmedCount,
      cancelled: finals.length - confirmedCount,
      'confirmed/s': round(confirmedCount / ((lastConfirmed - firstCreated) / 1000)),
      'POST→CONFIRMED p50 ms': percentile(latencies, 0.5),
      'POST→CONFIRMED p99 ms': percentile(latencies, 0.99),
      'non-2xx': load.non2xx,
    },
  ]);
}

interface OrderSnapshot {
  status: string;
  createdAt: string;
  statusHistory: Array<{ status: string; changedAt: string }>;
}

const confirmedAt = (order: OrderSnapshot) =>
  Date.parse(
    order.statusHistory.find((change) => change.status === 'CONFIRMED')?.changedAt ?? order.createdAt,
  );

async function waitForFinalStates(baseUrl: string, headers: Record<string, string>, ids: string[]) {
  const finals: OrderSnapshot[] = [];
  let pending = [...ids];
  const deadline = Date.now() + 120_000;
  while (pending.length > 0 && Date.now() < deadline) {
    const stillPending: string[] = [];
    for (let i = 0; i < pending.length; i += 50) {
      const batch = pending.slice(i, i + 50);
      const orders = await Promise.all(
        batch.map(
          async (id) =>
            (await fetch(`${baseUrl}/api/orders/${id}`, { headers })).json() as Promise<OrderSnapshot>,
        ),
      );
      orders.forEach((order, index) => {
        if (order.status === 'PENDING') stillPending.push(batch[index] as string);
        else finals.push(order);
      });
    }
    pending = stillPending;
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (pending.length > 0) console.warn(`${pending.length} orders still PENDING after 120 s`);
  return finals;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

const round = (value: number) => Math.round(value * 10) / 10;

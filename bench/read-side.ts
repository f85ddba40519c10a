import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { loadConfig } from '../src/config.js';
import { withInstallationSecret } from '../src/infrastructure/installation-secret.js';

/**
 * The read side under load (docs/benchmarks.md, "Read side"): history, search and analytics
 * against a running, connected instance seeded with `npm run seed` (the scenarios name seeded
 * customers, products and cities). BASE_URL (http://localhost:8080), JWT_SECRET,
 * BENCH_CONNECTIONS (10), BENCH_DURATION_S (10). p95 is computed from every response time
 * (autocannon's histogram has no p95); p97.5 is autocannon's.
 */

interface Row {
  scenario: string;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p97_5: number;
  p99: number;
  errors: number;
}

const day = 86_400_000;

export async function run(): Promise<void> {
  const { jwt } = withInstallationSecret(loadConfig());
  if (!jwt.secret) throw new Error('JWT_SECRET is needed to sign the benchmark’s tokens');
  const baseUrl = process.env.BASE_URL ?? 'http://localhost:8080';
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
  const duration = Number(process.env.BENCH_DURATION_S ?? 10);
  const token = (sub: string, roles: string[]) => {
    const signer = new SignJWT({ roles }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt();
    if (jwt.issuer) signer.setIssuer(jwt.issuer);
    if (jwt.audience) signer.setAudience(jwt.audience);
    return signer.setExpirationTime('2h').sign(new TextEncoder().encode(jwt.secret as string));
  };
  const admin = `Bearer ${await token('bench-admin', ['admin'])}`;
  const heavy = `Bearer ${await token('customer-heavy', ['customer'])}`;
  const typical = `Bearer ${await token('customer-01234', ['customer'])}`;

  const getJson = async <T>(path: string, authorization = admin): Promise<T> => {
    const response = await fetch(`${baseUrl}${path}`, { headers: { authorization } });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  type Page = { items: Array<{ id: string; trackingNumber: string | null }>; nextCursor: string | null };

  // Scenario parameters come from the data: a recent order, a shipped one, a cursor 10,000 deep.
  const [recent] = (await getJson<Page>('/api/orders/search?limit=1')).items;
  const [shipped] = (await getJson<Page>('/api/orders/search?status=SHIPPED&limit=1')).items;
  if (!recent || !shipped) throw new Error('No orders to benchmark: run `npm run seed` first');
  let deepCursor = '';
  for (let seen = 0; seen < 10_000; seen += 100) {
    const page = await getJson<Page>(
      `/api/orders/history/customer-heavy?limit=100${deepCursor ? `&cursor=${deepCursor}` : ''}`,
      heavy,
    );
    if (!page.nextCursor) throw new Error('customer-heavy has fewer than 10,000 orders: seed more');
    deepCursor = page.nextCursor;
  }
  const now = Date.now();
  const since = (days: number) => `from=${new Date(now - days * day).toISOString()}`;

  const scenarios: Array<[string, string, string?]> = [
    ['history, first page (typical customer)', '/api/orders/history/customer-01234?limit=10', typical],
    ['history, first page (customer with 20k orders)', '/api/orders/history/customer-heavy?limit=10', heavy],
    [
      'history, 10,000 deep by cursor',
      `/api/orders/history/customer-heavy?limit=10&cursor=${deepCursor}`,
      heavy,
    ],
    [
      'history, page 1,000 by number (offset 9,990)',
      '/api/orders/history/customer-heavy?limit=10&page=1000',
      heavy,
    ],
    ['search q = order id', `/api/orders/search?q=${recent.id}`],
    ['search q = tracking number', `/api/orders/search?q=${shipped.trackingNumber}`],
    ['search trackingNumber', `/api/orders/search?trackingNumber=${shipped.trackingNumber}`],
    ['search customerId + status', '/api/orders/search?customerId=customer-01234&status=DELIVERED,SHIPPED'],
    ['search productId (tail product)', '/api/orders/search?productId=p-01900'],
    ['search zipCode + 30 days', `/api/orders/search?zipCode=02150&${since(30)}`],
    ['search as customer, by total', '/api/orders/search?sort=totalAmount', typical],
    ['search status=DELIVERED (unselective)', '/api/orders/search?status=DELIVERED'],
    [
      'search city + status, 7 days',
      `/api/orders/search?city=Boston&status=CONFIRMED,PROCESSING&${since(7)}`,
    ],
    ['search q = city (unselective)', '/api/orders/search?q=Denver'],
    ['search productId (best seller)', '/api/orders/search?productId=p-00000'],
    [
      'search amount range by total',
      '/api/orders/search?minTotal=100&maxTotal=120&sort=totalAmount&order=asc',
    ],
    ['search state, by total desc', '/api/orders/search?state=CA&sort=totalAmount'],
    ['analytics summary, 30 days', `/api/orders/analytics/summary?${since(30)}`],
    ['analytics summary, 365 days', `/api/orders/analytics/summary?${since(365)}`],
    // Mid-hour edges: months in the middle, days and hours at both ends of the window.
    [
      'analytics summary, 2020 to now (multi-year)',
      `/api/orders/analytics/summary?from=2020-01-01T05:30:00Z&to=${new Date(now).toISOString()}`,
    ],
    ['search fulfilment=partial', '/api/orders/search?fulfilment=partial'],
    ['search refunded=true', '/api/orders/search?refunded=true'],
    ['analytics timeseries hour, 7 days', `/api/orders/analytics/timeseries?interval=hour&${since(7)}`],
    ['analytics timeseries day, 30 days', `/api/orders/analytics/timeseries?interval=day&${since(30)}`],
    ['analytics timeseries week, 365 days', `/api/orders/analytics/timeseries?interval=week&${since(365)}`],
    ['analytics top products, 30 days', `/api/orders/analytics/top-products?${since(30)}`],
    ['analytics top products, 365 days', `/api/orders/analytics/top-products?${since(365)}`],
  ];

  const rows: Row[] = [];
  for (const [scenario, path, authorization = admin] of scenarios) {
    await getJson(path, authorization);
    rows.push(await measure(scenario, `${baseUrl}${path}`, authorization, connections, duration));
    const row = rows[rows.length - 1] as Row;
    console.log(`${scenario}: ${row.requestsPerSecond} req/s, p95 ${row.p95} ms`);
  }
  console.log(`\n${connections} connections, ${duration} s per scenario\n`);
  console.log('| scenario | req/s | p50 ms | p95 ms | p97.5 ms | p99 ms | non-2xx |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.scenario} | ${row.requestsPerSecond} | ${row.p50} | ${row.p95} | ${row.p97_5} | ${row.p99} | ${row.errors} |`,
    );
  }
}

async function measure(
  scenario: string,
  url: string,
  authorization: string,
  connections: number,
  duration: number,
): Promise<Row> {
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url, connections, duration, headers: { authorization } }, (error, done) =>
      error ? reject(error) : resolve(done),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
  times.sort((a, b) => a - b);
  const percentile = (p: number) =>
    Math.round((times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0) * 10) / 10;
  return {
    scenario,
    requestsPerSecond: Math.round(result.requests.average),
    p50: percentile(0.5),
    p95: percentile(0.95),
    p97_5: result.latency.p97_5,
    p99: percentile(0.99),
    errors: result.non2xx + result.errors,
  };
}

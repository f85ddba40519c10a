import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, testSecret } from '../support/test-service.js';

/**
 * Regression for the Node 24.19+ crash class: a native addon (better-sqlite3 < 13) whose
 * objects abort the process when the garbage collector finalises them. The real entry point
 * runs the embedded shape under sustained load while the GC is forced every 20 ms, long
 * enough to finalise thousands of prepared statements, then must exit 0 on SIGTERM.
 */
describe('the embedded service under load with forced garbage collection', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'order-service-gc-'));
  let server: ChildProcess;
  let base = '';
  let output = '';

  beforeAll(async () => {
    server = spawn(
      process.execPath,
      ['--expose-gc', '--import', './tests/support/gc-pressure.mjs', '--import', 'tsx', 'src/main.ts'],
      {
        env: {
          PATH: process.env.PATH,
          ENV: 'test',
          LOG_LEVEL: 'info',
          PORT: '0',
          HOST: '127.0.0.1',
          JWT_SECRET: testSecret,
          SQLITE_PATH: join(dataDir, 'orders.db'),
          RATE_LIMIT_MAX: '1000000',
          // The subject is surviving GC pressure, not load shedding (tests/integration/operations):
          // on a shared machine a forced GC pause would otherwise shed requests with 503.
          HEALTH_EVENT_LOOP_DELAY_MS: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    server.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`service did not start:\n${output}`)), 30_000);
      server.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const ready = output.match(/"address":"(http:\/\/[^"]+)".*order service ready/);
        if (ready?.[1]) {
          clearTimeout(timer);
          resolve(ready[1]);
        }
      });
      server.once('exit', (code, signal) =>
        reject(new Error(`service exited (${code ?? signal}):\n${output}`)),
      );
    });
  });

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await once(server, 'exit');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('takes 2,000 orders and their reads without dying, then exits 0 on SIGTERM', async () => {
    const authorization = `Bearer ${await signToken({ sub: 'gc-customer', roles: ['customer'] }, { expiresIn: '10m' })}`;
    const placeOne = async (n: number) => {
      const created = await fetch(`${base}/api/orders`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({
          customerId: 'gc-customer',
          items: [{ productId: `sku-${n % 37}`, quantity: 1 + (n % 3), price: 9.99 }],
          shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
        }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const read = await fetch(`${base}/api/orders/${id}`, { headers: { authorization } });
      expect(read.status).toBe(200);
      await read.arrayBuffer();
    };
    for (let batch = 0; batch < 40; batch++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => placeOne(batch * 50 + i)));
    }
    const history = await fetch(`${base}/api/orders/history/gc-customer?limit=1`, {
      headers: { authorization },
    });
    expect(((await history.json()) as { total: number }).total).toBe(2000);
    expect(server.exitCode, output).toBeNull();

    server.kill('SIGTERM');
    const [code, signal] = await once(server, 'exit');
    expect({ code, signal }, output.slice(-4000)).toEqual({ code: 0, signal: null });
  }, 180_000);
});

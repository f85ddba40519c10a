import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signToken } from '../../support/test-service.js';

const secret = 'shutdown-test-secret-that-is-long-enough-0123456789';

interface Running {
  child: ChildProcess;
  port: number;
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
  waitForLog(msg: string): Promise<Record<string, unknown>>;
}

/** The real entry point in a child process: production settings, SQLite in a temp directory. */
async function startMain(directory: string): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      ENV: 'production',
      JWT_SECRET: secret,
      SQLITE_PATH: join(directory, 'orders.db'),
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'debug',
      SHUTDOWN_TIMEOUT_MS: '10000',
      // A starved event loop on a busy shared machine must not shed these requests: 0 turns shedding off.
      HEALTH_EVENT_LOOP_DELAY_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const text of complete.filter(Boolean)) {
      const line = JSON.parse(text) as Record<string, unknown>;
      logs.push(line);
      for (const waiter of waiters.filter((w) => w.msg === line.msg)) waiter.resolve(line);
    }
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const waitForLog = (msg: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const seen = logs.find((line) => line.msg === msg);
      if (seen) resolve(seen);
      else waiters.push({ msg, resolve });
    });
  const readyLine = await waitForLog('order service ready');
  return { child, port: Number(new URL(String(readyLine.address)).port), logs, exited, waitForLog };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const orderBody = JSON.stringify({
  customerId: 'c-1',
  items: [{ productId: 'sku-1', quantity: 1, price: 9.99 }],
  shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
});

/** POSTs an order; `beforeEnd` runs after half the body is sent, so the request is in flight meanwhile. */
function postOrder(
  port: number,
  token: string,
  beforeEnd?: () => Promise<void>,
  agent: Agent | false = false,
): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/orders',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(orderBody),
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const half = Math.floor(orderBody.length / 2);
    req.write(orderBody.slice(0, half));
    void (beforeEnd ?? (async () => undefined))().then(() => req.end(orderBody.slice(half)), reject);
  });
}

describe('graceful shutdown of the real process', () => {
  let directory: string;
  let running: Running | undefined;
  afterEach(() => {
    if (running?.child.exitCode === null) running.child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  });

  it('finishes a request in flight at SIGTERM, refuses new connections, and exits 0', async () => {
    directory = mkdtempSync(join(tmpdir(), 'order-shutdown-'));
    running = await startMain(directory);
    const { child, port, waitForLog } = running;
    const token = await signToken({ sub: 'c-1', roles: ['customer'] }, { secret });

    const inFlight = postOrder(port, token, async () => {
      await waitForLog('incoming request');
      child.kill('SIGTERM');
      await waitForLog('shutting down');
      // The listener closes while the request above is still open: newcomers are refused.
      await expect.poll(() => accepts(port)).toBe(false);
    });

    const response = await inFlight;
    expect(response.status).toBe(201);
    expect(JSON.parse(response.body)).toMatchObject({ status: 'PENDING', customerId: 'c-1' });
    expect(await running.exited).toBe(0);
    expect(running.logs.map((line) => line.msg)).toContain('stopped');
  });

  it('answers all of many requests in flight at SIGTERM before exiting 0', async () => {
    directory = mkdtempSync(join(tmpdir(), 'order-shutdown-'));
    running = await startMain(directory);
    const { child, port, logs } = running;
    const token = await signToken({ sub: 'c-1', roles: ['customer'] }, { secret });
    const count = 40;

    let signalled: () => void = () => undefined;
    const sigtermSent = new Promise<void>((resolve) => {
      signalled = resolve;
    });
    // Each request sends half its body and waits; the signal goes once the server has started all of them.
    const burst = Array.from({ length: count }, () => postOrder(port, token, () => sigtermSent));
    await expect.poll(() => logs.filter((line) => line.msg === 'incoming request').length).toBe(count);
    child.kill('SIGTERM');
    await running.waitForLog('shutting down');
    signalled();

    const statuses = (await Promise.all(burst)).map((response) => response.status);
    expect(statuses).toEqual(Array(count).fill(201));
    expect(await running.exited).toBe(0);
  });

  it('closes a keep-alive connection once its answer is sent, so the client holding it does not delay the exit', async () => {
    directory = mkdtempSync(join(tmpdir(), 'order-shutdown-'));
    running = await startMain(directory);
    const { child, port, waitForLog } = running;
    const token = await signToken({ sub: 'c-1', roles: ['customer'] }, { secret });
    // Like a load balancer or an HTTP client pool: the socket would be kept for the next request.
    const agent = new Agent({ keepAlive: true });
    try {
      const response = await postOrder(
        port,
        token,
        async () => {
          await waitForLog('incoming request');
          child.kill('SIGTERM');
          await waitForLog('shutting down');
        },
        agent,
      );
      expect(response.status).toBe(201);
      expect(response.connection).toBe('close');
      const signalled = Date.now();
      // Without Connection: close the open socket held the server until its 72 s keep-alive, past
      // SHUTDOWN_TIMEOUT_MS (10 s here), and the process exited 1.
      expect(await running.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(8_000);
      expect(running.logs.map((line) => line.msg)).toContain('shutdown steps');
    } finally {
      agent.destroy();
    }
  });
});

import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import admission from '../../../src/api/plugins/admission.js';
import { fixedBacklogLimit, type SagaBacklogLimit } from '../../../src/api/saga-backlog-limit.js';

// The plugin on a real Fastify server and port, with the backlog count as a plain variable: what
// is tested is how waiting requests are admitted, not how the database counts.
describe('waiting for room in the saga backlog', () => {
  let app: FastifyInstance;
  afterEach(async () => app?.close());

  async function start(
    state: { pending: number },
    maxWaitMs: number,
    limit: SagaBacklogLimit = fixedBacklogLimit(1),
  ) {
    const count = async () => ({ pending: state.pending, readAt: Date.now() });
    const admitted: string[] = [];
    app = Fastify();
    await app.register(admission, {
      sagaBacklog: { forArrivals: count, forWaiting: count },
      limit,
      maxWaitMs,
      pollMs: 10,
      routes: ['POST /orders'],
    });
    app.post('/orders', async (req) => {
      admitted.push(String(req.headers['x-name']));
      // A slow use case: its order is not in any count until it commits, just before it answers.
      if (req.headers['x-slow']) {
        await sleep(200);
        state.pending += 1;
      }
      return { ok: true };
    });
    app.get('/orders', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const post = (name: string, slow = false) =>
      fetch(`http://127.0.0.1:${port}/orders`, {
        method: 'POST',
        headers: { 'x-name': name, ...(slow && { 'x-slow': '1' }) },
      });
    return { admitted, port, post };
  }

  it('admits the oldest waiting request once the backlog has room', async () => {
    const state = { pending: 1 };
    const { admitted, post } = await start(state, 5_000);
    const first = post('first');
    await sleep(50);
    const second = post('second');
    await sleep(50);
    expect(admitted).toEqual([]);
    state.pending = 0;
    expect((await first).status).toBe(200);
    expect(admitted).toEqual(['first']);
    // The first one's order now fills the backlog.
    state.pending = 1;
    await sleep(50);
    expect(admitted).toEqual(['first']);
    state.pending = 0;
    expect((await second).status).toBe(200);
    expect(admitted).toEqual(['first', 'second']);
  });

  it('counts an admitted request whose order no count can include yet, however often it recounts', async () => {
    const state = { pending: 0 };
    const { admitted, post } = await start(state, 5_000);
    const slow = post('slow', true);
    await sleep(20);
    const next = post('next');
    // Many recounts happen while the slow one runs; none of them sees its order.
    await sleep(120);
    expect(admitted).toEqual(['slow']);
    expect((await slow).status).toBe(200);
    // Its order is counted now; the counts read between its commit and here all included it.
    await sleep(50);
    expect(admitted).toEqual(['slow']);
    state.pending = 0;
    expect((await next).status).toBe(200);
    expect(admitted).toEqual(['slow', 'next']);
  });

  it('lets a client that hung up while waiting leave the line without taking the slot', async () => {
    const state = { pending: 1 };
    const { admitted, port, post } = await start(state, 5_000);
    const gone = request({
      port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/orders',
      headers: { 'x-name': 'gone' },
    });
    gone.on('error', () => undefined);
    gone.end();
    await sleep(50);
    const waiting = post('waiting');
    await sleep(50);
    gone.destroy();
    await sleep(50);
    state.pending = 0;
    expect((await waiting).status).toBe(200);
    expect(admitted).toEqual(['waiting']);
  });

  it('answers 503 with Retry-After when no room opens in time, and leaves other routes alone', async () => {
    const { admitted, port, post } = await start({ pending: 1 }, 200);
    const started = Date.now();
    const refused = await post('late');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(admitted).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${port}/orders`)).status).toBe(200);
  });

  it('holds the backlog to a limit that moves, and tells it each count and whether it was full', async () => {
    const seen: Array<{ pending: number; full: boolean }> = [];
    const moving = { value: 3 };
    const limit: SagaBacklogLimit = {
      current: () => moving.value,
      sawBacklog: (pending, full) => void seen.push({ pending, full }),
      sawSettled: () => undefined,
    };
    const state = { pending: 2 };
    const { admitted, post } = await start(state, 0, limit);
    expect((await post('under')).status).toBe(200);
    expect(seen.at(-1)).toEqual({ pending: 2, full: false });
    // Lowered below the backlog (the saga slowed down): the next one is refused.
    moving.value = 2;
    // The first one's order is in the count now, and the next count begins after it finished.
    state.pending = 3;
    await sleep(20);
    expect((await post('over')).status).toBe(503);
    expect(seen.at(-1)).toEqual({ pending: 3, full: true });
    expect(admitted).toEqual(['under']);
  });
});

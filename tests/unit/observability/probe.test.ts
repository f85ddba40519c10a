import { describe, expect, it } from 'vitest';
import { cachedProbe, ProbeTimeout } from '../../../src/infrastructure/observability/probe.js';

describe('cachedProbe', () => {
  it('reuses an answer within its ttl and asks again after', async () => {
    let clock = 0;
    let calls = 0;
    const probe = cachedProbe(async () => ++calls, { ttlMs: 1000, timeoutMs: 100, now: () => clock });
    expect(await probe()).toBe(1);
    clock = 999;
    expect(await probe()).toBe(1);
    clock = 1000;
    expect(await probe()).toBe(2);
  });

  it('shares a call still running instead of starting another', async () => {
    let calls = 0;
    let finish: (value: number) => void = () => undefined;
    const probe = cachedProbe(
      () => {
        calls += 1;
        return new Promise<number>((resolve) => {
          finish = resolve;
        });
      },
      { ttlMs: 0, timeoutMs: 1000 },
    );
    const first = probe();
    const second = probe();
    finish(7);
    expect(await Promise.all([first, second])).toEqual([7, 7]);
    expect(calls).toBe(1);
  });

  it('gives up waiting after its timeout, without starting a second call meanwhile', async () => {
    let calls = 0;
    const probe = cachedProbe(
      () => {
        calls += 1;
        return new Promise<number>(() => undefined);
      },
      { ttlMs: 0, timeoutMs: 20 },
    );
    await expect(probe()).rejects.toBeInstanceOf(ProbeTimeout);
    await expect(probe()).rejects.toBeInstanceOf(ProbeTimeout);
    expect(calls).toBe(1);
  });
});

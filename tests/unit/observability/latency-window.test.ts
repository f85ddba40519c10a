import { describe, expect, it } from 'vitest';
import { createLatencyWindow } from '../../../src/infrastructure/observability/latency-window.js';

describe('the request latency window', () => {
  it('gives no p99 until it holds enough samples', () => {
    const window = createLatencyWindow({ minSamples: 20 });
    for (let i = 0; i < 19; i++) window.record(5000);
    expect(window.p99()).toEqual({ p99Ms: null, samples: 19 });
  });

  it('reports the 99th percentile of the recent samples', () => {
    const window = createLatencyWindow({ minSamples: 1 });
    for (let i = 1; i <= 100; i++) window.record(i);
    expect(window.p99()).toEqual({ p99Ms: 99, samples: 100 });
  });

  it('forgets samples older than its age limit and beyond its capacity', () => {
    let clock = 0;
    const window = createLatencyWindow({ capacity: 10, maxAgeMs: 1000, minSamples: 1, now: () => clock });
    window.record(900);
    clock = 1001;
    for (let i = 0; i < 3; i++) window.record(10);
    expect(window.p99()).toEqual({ p99Ms: 10, samples: 3 });
    for (let i = 0; i < 20; i++) window.record(1);
    expect(window.p99()).toEqual({ p99Ms: 1, samples: 10 });
  });
});

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../support/prometheus-text.js';
import { startTestService, type TestService } from '../../support/test-service.js';

/** A dashboard or alert that queries a metric the service does not export shows nothing, silently. */
describe('the metrics ops/ queries', () => {
  let t: TestService;
  let exported: Set<string>;
  beforeAll(async () => {
    t = await startTestService('sqlite', {}, { background: false });
    const scrape = await t.service.app.inject({ url: '/metrics' });
    exported = new Set(parsePrometheusText(scrape.body).keys());
  });
  afterAll(async () => t?.stop());

  const family = (sample: string) => sample.replace(/_(bucket|count|sum)$/, '');
  const queried = (text: string) =>
    [...text.matchAll(/\b([a-z_][a-z0-9_]*)\{/g)].map((m) => family(m[1] ?? ''));

  it('are all exported by the service: every Grafana panel’s query', () => {
    const dashboard = JSON.parse(readFileSync('ops/grafana-dashboard.json', 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const names = dashboard.panels.flatMap((panel) =>
      panel.targets.flatMap((target) => queried(target.expr)),
    );
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => !exported.has(name))).toEqual([]);
  });

  it('are all exported by the service: every alert rule (besides Prometheus’ own `up`)', () => {
    const names = queried(readFileSync('ops/alerts.yml', 'utf8')).filter((name) => name !== 'up');
    expect(names.length).toBeGreaterThan(4);
    expect(names.filter((name) => !exported.has(name))).toEqual([]);
  });
});

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { deployedService } from '../../bench/lib/processes.js';

const run = promisify(execFile);

async function promtool(): Promise<string | null> {
  try {
    await run('promtool', ['--version']);
    return 'promtool';
  } catch {
    const banner = '!'.repeat(78);
    console.warn(
      `\n${banner}\n!! promtool is not installed: SKIPPING the alert rule tests (ops/alerts.test.yml).\n` +
        `!! Install it with: apt-get install -y prometheus   (.ci/run does)\n${banner}\n`,
    );
    return null;
  }
}

const available = await promtool();

describe('the alert rules in ops/alerts.yml', () => {
  it.skipIf(!available)('are valid Prometheus rules (promtool check rules)', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', 'ops/alerts.yml']);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it.skipIf(!available)(
    'fire and stay quiet as ops/alerts.test.yml expects (promtool test rules)',
    async () => {
      const { stdout } = await run('promtool', ['test', 'rules', 'ops/alerts.test.yml']);
      expect(stdout).toContain('SUCCESS');
    },
  );
});

describe('the Grafana dashboard in ops/grafana-dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync('ops/grafana-dashboard.json', 'utf8')) as {
    uid: string;
    panels: { title: string; targets: { expr: string }[] }[];
  };

  it('has a stable uid and a query in every panel', () => {
    expect(dashboard.uid).toBe('order-service');
    expect(dashboard.panels.every((panel) => panel.targets.length > 0)).toBe(true);
  });
});

describe('how the service is started', () => {
  it('npm start runs node with the same V8 heap flags as the image (the Dockerfile CMD the bench measures)', () => {
    const deployed = deployedService();
    expect(deployed.script).toBe('dist/src/main.js');
    expect(deployed.nodeArgs).toEqual(
      expect.arrayContaining([expect.stringMatching(/^--max-semi-space-size=\d+$/)]),
    );
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
    expect(scripts.start).toBe(`node ${deployed.nodeArgs.join(' ')} --import tsx src/main.ts`);
  });
});

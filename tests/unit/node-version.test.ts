import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unsupportedNode } from '../../src/node-version.js';

describe('the Node.js versions the service runs on', () => {
  it('accepts the releases package.json’s engines names: 22.15+ and 24+', () => {
    const engines = (JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } })
      .engines;
    expect(engines.node).toBe('^22.15.0 || >=24.0.0');
    for (const version of ['22.15.0', '22.23.3', '24.0.0', '24.21.0', '25.1.0', 'v24.21.0'])
      expect(unsupportedNode(version), version).toBeNull();
  });

  it('refuses older and in-between releases, naming the version and how to run on a supported one', () => {
    for (const version of ['20.20.2', '18.19.0', '22.14.0', '23.11.1']) {
      const problem = unsupportedNode(version);
      expect(problem, version).toContain(`this is Node ${version}`);
      expect(problem).toContain('scripts/with-node 24 npm start');
    }
  });

  it('accepts the Node.js running this suite (CI runs it on 24 and 22)', () => {
    expect(unsupportedNode(process.versions.node)).toBeNull();
  });
});

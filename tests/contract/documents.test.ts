import { readFileSync } from 'node:fs';
import { Parser as AsyncApiParser } from '@asyncapi/parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Document, Spectral } from '@stoplight/spectral-core';
import { Json } from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { beforeAll, describe, expect, it } from 'vitest';
import { servedOpenApiDocument } from '../../scripts/served-openapi.js';

/** Findings as one line each, so a failure says what to fix. */
const lines = (findings: { where: string; rule: string; message: string }[]) =>
  findings.map(({ where, rule, message }) => `${rule} at ${where}: ${message}`);

describe('the published API documents', () => {
  let served: unknown;
  const committed = readFileSync('docs/openapi.json', 'utf8');
  beforeAll(async () => {
    served = await servedOpenApiDocument();
  });

  it('docs/openapi.json is the document the service serves (regenerate with `npm run openapi`)', () => {
    expect(JSON.parse(committed)).toEqual(served);
  });

  it('Spectral’s spectral:oas ruleset finds nothing in the served OpenAPI document', async () => {
    const spectral = new Spectral();
    spectral.setRuleset({ extends: [[oas as never, 'recommended']] });
    const results = await spectral.run(new Document(JSON.stringify(served, null, 2), Json, 'openapi.json'));
    const findings = results.map((r) => ({
      where: r.path.join('.'),
      rule: String(r.code),
      message: r.message,
    }));
    expect(lines(findings)).toEqual([]);
  });

  it('Redocly’s recommended rules find nothing in the served OpenAPI document', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({
      source: JSON.stringify(served, null, 2),
      absoluteRef: `${process.cwd()}/docs/openapi.json`,
      config,
    });
    const findings = problems.map((p) => ({
      where: p.location[0]?.pointer ?? '',
      rule: `${p.ruleId} (${p.severity})`,
      message: p.message,
    }));
    expect(lines(findings)).toEqual([]);
  });

  it('the AsyncAPI parser accepts docs/asyncapi.yaml without errors or warnings', async () => {
    const { document, diagnostics } = await new AsyncApiParser().parse(
      readFileSync('docs/asyncapi.yaml', 'utf8'),
    );
    const findings = diagnostics.map((d) => ({
      where: d.path.join('.'),
      rule: `${String(d.code)} (severity ${d.severity})`,
      message: d.message,
    }));
    expect(lines(findings)).toEqual([]);
    expect(document?.channels().length).toBeGreaterThan(0);
  });
});

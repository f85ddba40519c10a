import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { servedOpenApiDocument } from './served-openapi.js';

/**
 * Writes the OpenAPI document the service serves at /openapi.json to docs/openapi.json
 * (`npm run openapi`); tests/contract/openapi.test.ts fails when the two differ.
 */
const { values } = parseArgs({ options: { out: { type: 'string', default: 'docs/openapi.json' } } });
const text = `${JSON.stringify(await servedOpenApiDocument(), null, 2)}\n`;
writeFileSync(values.out ?? 'docs/openapi.json', text);
console.log(`wrote ${values.out}`);

import { writeFile } from 'node:fs/promises';
import { buildOpenApiDocument } from './build-openapi.js';

/**
 * Regenerates `openapi.json` from the code: `npx tsx integration-files/openapi/write-openapi.ts`.
 * The contract tests fail while the checked-in file differs from what this writes.
 */
const target = new URL('./openapi.json', import.meta.url);
await writeFile(target, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
console.warn(`wrote ${target.pathname}`);

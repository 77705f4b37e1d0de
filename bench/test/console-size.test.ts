import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { pageFiles } from '../sections/console-size/index.js';

const output = (entryPoint: string | undefined, imports: { path: string; kind: 'import-statement' | 'dynamic-import' }[]) => ({
  bytes: 1,
  inputs: {},
  exports: [],
  imports,
  ...(entryPoint ? { entryPoint } : {}),
});

// main imports the shared runtime statically and both pages dynamically; orders shares a chunk with main and has one of its own.
const METAFILE = {
  inputs: {},
  outputs: {
    'out/assets/main.js': output('console/src/main.tsx', [
      { path: 'out/assets/chunk-RUNTIME.js', kind: 'import-statement' },
      { path: 'out/assets/orders-AAAA.js', kind: 'dynamic-import' },
      { path: 'out/assets/stock-BBBB.js', kind: 'dynamic-import' },
    ]),
    'out/assets/chunk-RUNTIME.js': output(undefined, []),
    'out/assets/chunk-TABLE.js': output(undefined, [{ path: 'out/assets/chunk-RUNTIME.js', kind: 'import-statement' }]),
    'out/assets/orders-AAAA.js': output('console/src/pages/orders.tsx', [
      { path: 'out/assets/chunk-TABLE.js', kind: 'import-statement' },
      { path: 'out/assets/chunk-RUNTIME.js', kind: 'import-statement' },
      { path: 'out/assets/stock-BBBB.js', kind: 'dynamic-import' },
    ]),
    'out/assets/stock-BBBB.js': output('console/src/pages/stock.tsx', [{ path: 'out/assets/chunk-RUNTIME.js', kind: 'import-statement' }]),
  },
} as unknown as Metafile;

describe('pageFiles', () => {
  it('counts the entry, the page chunk and their static imports once each, and no page reached only dynamically', () => {
    expect(pageFiles(METAFILE, '/repo/out', ['orders', 'stock'], '/repo')).toEqual([
      { page: 'orders', files: ['assets/chunk-RUNTIME.js', 'assets/chunk-TABLE.js', 'assets/main.js', 'assets/orders-AAAA.js'] },
      { page: 'stock', files: ['assets/chunk-RUNTIME.js', 'assets/main.js', 'assets/stock-BBBB.js'] },
    ]);
  });

  it('refuses a page the build has no chunk for', () => {
    expect(() => pageFiles(METAFILE, '/repo/out', ['audit'], '/repo')).toThrow(/src\/pages\/audit\.tsx/);
  });
});

import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { appImporters, externalImports, impliedClients, packageBytes, packageOf, ungrantedClients, unmodelledClients } from '../sections/init/packages.js';

describe('packageOf', () => {
  it('names plain and scoped packages', () => {
    expect(packageOf('node_modules/zod/v4/core/schemas.js')).toBe('zod');
    expect(packageOf('node_modules/@aws-sdk/client-s3/dist-es/index.js')).toBe('@aws-sdk/client-s3');
  });

  it('attributes a nested copy to the innermost package', () => {
    expect(packageOf('node_modules/@aws-sdk/core/node_modules/@smithy/core/dist-es/index.js')).toBe('@smithy/core');
  });

  it('groups the repository own code by its top two folders', () => {
    expect(packageOf('shared/http/handler.ts')).toBe('(app) shared/http');
    expect(packageOf('shared/errors.ts')).toBe('(app) shared');
  });
});

const metafile = (inputs: Record<string, number>, imports: { path: string; external?: boolean }[] = []): Metafile =>
  ({
    inputs: { 'entry.ts': { bytes: 1, imports: imports.map((i) => ({ ...i, kind: 'import-statement' })) } },
    outputs: {
      'out/index.mjs': { bytes: 0, imports: [], exports: [], inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, { bytesInOutput: v }])) },
      'out/index.mjs.map': { bytes: 999, imports: [], exports: [], inputs: { 'node_modules/zod/a.js': { bytesInOutput: 999 } } },
    },
  }) as unknown as Metafile;

describe('packageBytes', () => {
  it('sums the bytes of each package in the code output, largest first, ignoring source maps', () => {
    const result = packageBytes(
      metafile({ 'node_modules/zod/a.js': 300, 'node_modules/zod/b.js': 200, 'node_modules/@aws-sdk/client-s3/c.js': 400, 'shared/x.ts': 0 }),
    );
    expect(result).toEqual([
      { name: 'zod', bytes: 500 },
      { name: '@aws-sdk/client-s3', bytes: 400 },
    ]);
  });
});

describe('externalImports', () => {
  it('lists packages left external, not Node built-ins', () => {
    const meta = metafile({}, [
      { path: 'sharp', external: true },
      { path: 'fs', external: true },
      { path: 'node:crypto', external: true },
      { path: 'zod' },
    ]);
    expect(externalImports(meta)).toEqual(['sharp']);
  });
});

describe('appImporters', () => {
  it('names the repository files that pull a package in, not the packages that do', () => {
    const meta = {
      inputs: {
        'shared/events/publisher.ts': { bytes: 1, imports: [{ path: 'node_modules/@aws-sdk/client-eventbridge/dist-es/index.js', kind: 'import-statement' }] },
        'shared/http/handler.ts': { bytes: 1, imports: [{ path: 'node_modules/@middy/core/index.js', kind: 'import-statement' }] },
        'node_modules/other/index.js': { bytes: 1, imports: [{ path: 'node_modules/@aws-sdk/client-eventbridge/dist-es/index.js', kind: 'import-statement' }] },
      },
      outputs: {},
    } as unknown as Metafile;
    expect(appImporters(meta, '@aws-sdk/client-eventbridge')).toEqual(['shared/events/publisher.ts']);
  });
});

describe('ungrantedClients', () => {
  it('flags an SDK client whose grant the function lacks', () => {
    expect(ungrantedClients({ table: 'read' }, ['@aws-sdk/client-dynamodb', '@aws-sdk/client-eventbridge', 'zod'])).toEqual([
      { name: '@aws-sdk/client-eventbridge', grant: 'events' },
    ]);
  });

  it('accepts every client the grants call for', () => {
    const access = { table: 'write', buckets: { imports: 'write' }, events: true, sendTo: ['catalog-import'] } as const;
    const all = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-s3', '@aws-sdk/client-eventbridge', '@aws-sdk/client-sqs'];
    expect(ungrantedClients(access, all)).toEqual([]);
  });

  it('always flags Step Functions, which no wiring grant covers', () => {
    expect(ungrantedClients({ table: 'write' }, ['@aws-sdk/client-sfn'])).toHaveLength(1);
  });
});

describe('unmodelledClients', () => {
  it('picks out SDK clients that the wiring has no grant for, and nothing else', () => {
    expect(unmodelledClients(['@aws-sdk/client-secrets-manager', '@aws-sdk/client-dynamodb', '@aws-sdk/core', 'zod'])).toEqual([
      '@aws-sdk/client-secrets-manager',
    ]);
  });
});

describe('impliedClients', () => {
  it('derives the floor clients from the grants', () => {
    expect(impliedClients({ table: 'read', buckets: { media: 'read' } })).toEqual({ dynamodb: true, s3: true, eventbridge: false, sqs: false });
    expect(impliedClients({ buckets: {} })).toEqual({ dynamodb: false, s3: false, eventbridge: false, sqs: false });
  });
});

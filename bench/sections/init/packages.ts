import { builtinModules } from 'node:module';
import type { Metafile } from 'esbuild';
import type { Access } from '../../../wiring/index.js';

/**
 * Which package a bundled input file belongs to: `@aws-sdk/client-s3`, `zod`, or `(app) shared/http`
 * for the repository's own code. The innermost `node_modules` wins, so nested copies count
 * under their own name.
 */
export function packageOf(inputPath: string): string {
  const marker = 'node_modules/';
  const at = inputPath.lastIndexOf(marker);
  if (at === -1) {
    const parts = inputPath.replace(/^(\.\.\/)+/, '').split('/');
    return `(app) ${parts.slice(0, Math.min(2, parts.length - 1)).join('/') || parts[0]}`;
  }
  const [first, second] = inputPath.slice(at + marker.length).split('/');
  return first?.startsWith('@') ? `${first}/${second}` : (first ?? inputPath);
}

/** Bytes each package contributes to the one output file of a build, largest first. */
export function packageBytes(metafile: Metafile): { name: string; bytes: number }[] {
  const outputs = Object.entries(metafile.outputs).filter(([file]) => !file.endsWith('.map'));
  const totals = new Map<string, number>();
  for (const [, output] of outputs) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .filter((p) => p.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}

/** Packages a build left external (installed next to the bundle, imported at run time); Node built-ins are not listed. */
export function externalImports(metafile: Metafile): string[] {
  const paths = Object.values(metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path));
  const builtins = new Set(builtinModules);
  return [...new Set(paths.filter((p) => !p.startsWith('node:') && !builtins.has(p.split('/')[0]!)))].sort();
}

/**
 * The repository's own files that import `pkg` directly (statically or lazily): where to look when a
 * bundle carries a package its function should not need.
 */
export function appImporters(metafile: Metafile, pkg: string): string[] {
  return Object.entries(metafile.inputs)
    .filter(([file]) => !file.includes('node_modules/'))
    .filter(([, input]) => input.imports.some((i) => !i.external && i.path.includes('node_modules/') && packageOf(i.path) === pkg))
    .map(([file]) => file)
    .sort();
}

/**
 * AWS SDK clients and the wiring grant each one serves. A client in a bundle whose function lacks
 * the grant is dead weight at best (it can never make a successful call) and a wiring mistake at worst.
 */
export const CLIENT_GRANTS: Readonly<Record<string, { grant: string; granted: (a: Access) => boolean }>> = {
  '@aws-sdk/client-dynamodb': { grant: 'table', granted: (a) => a.table !== undefined },
  '@aws-sdk/lib-dynamodb': { grant: 'table', granted: (a) => a.table !== undefined },
  '@aws-sdk/client-s3': { grant: 'buckets', granted: (a) => Object.keys(a.buckets ?? {}).length > 0 },
  '@aws-sdk/s3-request-presigner': { grant: 'buckets', granted: (a) => Object.keys(a.buckets ?? {}).length > 0 },
  '@aws-sdk/client-eventbridge': { grant: 'events', granted: (a) => a.events === true },
  '@aws-sdk/client-sqs': { grant: 'sendTo', granted: (a) => (a.sendTo?.length ?? 0) > 0 },
  '@aws-sdk/client-sfn': { grant: 'a state machine (no wiring grant exists)', granted: () => false },
};

/** Clients a bundle contains without the grant that would let it use them. */
export function ungrantedClients(access: Access, packages: readonly string[]): { name: string; grant: string }[] {
  return packages.flatMap((name) => {
    const rule = CLIENT_GRANTS[name];
    return rule !== undefined && !rule.granted(access) ? [{ name, grant: rule.grant }] : [];
  });
}

/**
 * AWS SDK clients in a bundle that the wiring's grants say nothing about (Secrets Manager, say):
 * not necessarily wrong, since the CDK app may grant them directly, but worth a look.
 */
export function unmodelledClients(packages: readonly string[]): string[] {
  return packages.filter((name) => name.startsWith('@aws-sdk/client-') && CLIENT_GRANTS[name] === undefined);
}

/** The client packages a function's grants imply: what its floor bundle loads. */
export function impliedClients(access: Access): { dynamodb: boolean; s3: boolean; eventbridge: boolean; sqs: boolean } {
  return {
    dynamodb: CLIENT_GRANTS['@aws-sdk/client-dynamodb']!.granted(access),
    s3: CLIENT_GRANTS['@aws-sdk/client-s3']!.granted(access),
    eventbridge: CLIENT_GRANTS['@aws-sdk/client-eventbridge']!.granted(access),
    sqs: CLIENT_GRANTS['@aws-sdk/client-sqs']!.granted(access),
  };
}

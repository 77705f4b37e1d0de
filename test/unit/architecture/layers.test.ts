import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layering of `shared/`: a context (the first directory under `shared/`) depends on those below it, never on one
 * that depends on it. `shared/{http,db,events,config,auth,privacy,observability}` and the like are cross-cutting, at the
 * bottom. So the graph of contexts, drawn from the relative imports of every `.ts` file under `shared/` (type-only
 * imports, re-exports and dynamic `import()` included: each is a dependency), has no cycle, but for the few listed
 * below, each with why it is still there and what would break it. And `shared/` is below the deployables: nothing in it
 * imports `functions/` or `infra/`, but for the one exception listed below.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SHARED = join(ROOT, 'shared');

interface AllowedCycle {
  /** The contexts around the cycle, in import order: each imports the next, and the last imports the first. */
  cycle: readonly string[];
  /** Why it is still there, and which imports close it. */
  reason: string;
  /** The issue that will break it. */
  brokenBy: string;
}

/**
 * The cycles between contexts that remain. Keep this list short and shrinking: a cycle that no longer exists must be
 * removed from it (a test below fails until it is), and a new one is a failure, not a new entry.
 *
 * Both run through `orders → carts` (`orders/model.ts` and `orders/picking.ts` reuse the cart's `LineQuantity` and
 * `Substitution` schemas; `orders/from-cart.ts` turns a priced `Cart` into an order), while carts reaches orders back
 * through loyalty and through billing. Moving those two schemas below both (for example to `shared/catalog`, beside
 * `SoldBy`) and `orderFromPricedCart` up to checkout, its only user, would break both cycles at once.
 */
const ALLOWED_CYCLES: readonly AllowedCycle[] = [
  {
    cycle: ['carts', 'loyalty', 'orders'],
    reason:
      'carts prices with the shopper’s loyalty balance and policy (carts/pricing.ts, carts/loyalty.ts → loyalty/accounts.ts, ' +
      'loyalty/policy.ts); loyalty earns and claws back points on orders (loyalty/earn.ts, loyalty/clawback.ts → orders/model.ts, ' +
      'orders/repository.ts); orders reuses the cart’s line shapes (orders → carts/model.ts). Left by issue 12 ("loyalty → orders").',
    brokenBy: 'not filed yet: the follow-up of issue 12 that takes orders off carts (see above)',
  },
  {
    cycle: ['carts', 'billing', 'orders'],
    reason:
      'cart pricing waives the delivery fee for a shopper with an active delivery pass (carts/pricing.ts → ' +
      'billing/subscriptions.ts); billing invoices orders (billing/sync.ts → orders/model.ts, orders/repository.ts); orders ' +
      'reuses the cart’s line shapes (orders → carts/model.ts). Left by issue 12 ("carts → billing, the delivery pass").',
    brokenBy: 'not filed yet: the follow-up of issue 12 that takes orders off carts (see above)',
  },
];

/**
 * Imports from `shared/` into the deployables (`functions/`, `infra/`) that remain, by importing file (relative to the
 * repository) and imported file. Same rule: a stale entry fails, a new import fails.
 */
const ALLOWED_UPWARD_IMPORTS: readonly { from: string; to: string; reason: string; brokenBy: string }[] = [];

/** The deployables `shared/` must not import. */
const DEPLOYABLES = ['functions', 'infra'];

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The context of a file under `shared/`: its first directory, or the file itself for one right under `shared/`. */
function contextOf(path: string): string {
  return relative(SHARED, path).split(sep)[0]!;
}

interface Import {
  /** The importing file, relative to the repository. */
  file: string;
  specifier: string;
  /** The imported file, absolute, as a relative specifier names it (`.js` for the `.ts` beside it). */
  target: string;
}

/** Every relative import of every `.ts` file under `shared/`, as TypeScript's scanner reads them (comments and strings are not imports). */
function sharedImports(): Import[] {
  return typeScriptFiles(SHARED).flatMap((path) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
    return importedFiles
      .map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('./') || specifier.startsWith('../'))
      .map((specifier) => ({ file: relative(ROOT, path).split(sep).join('/'), specifier, target: resolve(dirname(path), specifier) }));
  });
}

const toTs = (path: string): string => path.replace(/\.js$/, '.ts');
const isUnder = (dir: string, path: string): boolean => !relative(dir, path).startsWith('..');

/** The context graph: for each context, the contexts it imports and, for each, the imports that make the edge. */
function contextGraph(imports: readonly Import[]): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const { file, specifier, target } of imports) {
    if (!isUnder(SHARED, target)) continue;
    const from = contextOf(join(ROOT, file));
    const to = contextOf(target);
    if (!graph.has(from)) graph.set(from, new Map());
    if (!graph.has(to)) graph.set(to, new Map());
    if (from === to) continue;
    const edge = graph.get(from)!;
    edge.set(to, [...(edge.get(to) ?? []), `${file} → ${specifier}`]);
  }
  return graph;
}

/** A cycle written from its alphabetically first context, so that each is named one way only. */
function normalized(cycle: readonly string[]): string {
  const first = cycle.indexOf([...cycle].sort()[0]!);
  const turned = [...cycle.slice(first), ...cycle.slice(0, first)];
  return [...turned, turned[0]].join(' → ');
}

/**
 * Every elementary cycle of the graph: from each context, the paths back to it through contexts after it in
 * alphabetical order only, so each cycle is found once, from its first context. Stops at `limit` (a graph that tangled
 * fails anyway).
 */
function elementaryCycles(graph: Map<string, Map<string, string[]>>, limit = 100): string[][] {
  const nodes = [...graph.keys()].sort();
  const cycles: string[][] = [];
  for (const start of nodes) {
    const walk = (node: string, path: string[], seen: Set<string>): void => {
      for (const next of [...graph.get(node)!.keys()].sort()) {
        if (cycles.length >= limit) return;
        if (next === start) cycles.push([...path]);
        else if (next > start && !seen.has(next)) {
          seen.add(next);
          walk(next, [...path, next], seen);
          seen.delete(next);
        }
      }
    };
    walk(start, [start], new Set([start]));
  }
  return cycles;
}

/** A cycle with the imports that close each of its edges, for a failure message that says what to look at. */
function explain(cycle: readonly string[], graph: Map<string, Map<string, string[]>>): string {
  return cycle
    .map((from, i) => {
      const to = cycle[(i + 1) % cycle.length]!;
      return `  ${from} → ${to}:\n${graph.get(from)!.get(to)!.map((evidence) => `    ${evidence}`).join('\n')}`;
    })
    .join('\n');
}

const imports = sharedImports();
const graph = contextGraph(imports);
const cycles = elementaryCycles(graph);

describe('the layering of shared/', () => {
  it('reads the imports of every context, type-only ones included', () => {
    // A sanity check of the reading itself, on edges that are known to exist.
    expect(graph.get('checkout')?.has('orders')).toBe(true);
    expect(graph.get('http')?.has('privacy')).toBe(true);
    expect(graph.get('orders')?.get('carts')?.some((evidence) => evidence.startsWith('shared/orders/from-cart.ts'))).toBe(true);
  });

  it('has no cycle between contexts but the allowed ones', () => {
    const allowed = new Set(ALLOWED_CYCLES.map((entry) => normalized(entry.cycle)));
    const unexpected = cycles.filter((cycle) => !allowed.has(normalized(cycle)));
    expect(unexpected.map((cycle) => `${normalized(cycle)}\n${explain(cycle, graph)}`).join('\n\n')).toBe('');
  });

  it('allows only cycles that still exist, so the list shrinks as they are broken', () => {
    const found = new Set(cycles.map(normalized));
    expect(ALLOWED_CYCLES.map((entry) => normalized(entry.cycle)).filter((cycle) => !found.has(cycle))).toEqual([]);
  });

  it('never lets orders depend on checkout or billing, which build on it', () => {
    expect([...graph.get('orders')!.keys()].filter((context) => context === 'checkout' || context === 'billing')).toEqual([]);
  });

  it('imports nothing from functions/ or infra/ but the allowed imports, each of which still exists', () => {
    const upward = imports
      .filter(({ target }) => DEPLOYABLES.some((dir) => isUnder(join(ROOT, dir), target)))
      .map(({ file, target }) => ({ from: file, to: relative(ROOT, toTs(target)).split(sep).join('/') }));
    const allowed = (entry: { from: string; to: string }) => ALLOWED_UPWARD_IMPORTS.some((a) => a.from === entry.from && a.to === entry.to);
    expect(upward.filter((entry) => !allowed(entry))).toEqual([]);
    expect(ALLOWED_UPWARD_IMPORTS.filter((a) => !upward.some((entry) => entry.from === a.from && entry.to === a.to))).toEqual([]);
  });
});

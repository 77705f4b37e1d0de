import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { moveProblem, rebaseAncestors, rebasePath, type TreeNode } from '../../../shared/catalog/category-tree.js';

/** A random forest: node i's parent is null or one of the nodes before it, so the input itself has no cycle. */
const forest = fc.integer({ min: 1, max: 25 }).chain((size) =>
  fc.tuple(...Array.from({ length: size }, (_, i) => (i === 0 ? fc.constant(null) : fc.option(fc.integer({ min: 0, max: i - 1 }), { nil: null })))),
);

function nodesOf(parents: readonly (number | null)[]): Map<string, TreeNode> {
  return new Map(parents.map((parent, i) => [`c${i}`, { id: `c${i}`, parentId: parent === null ? null : `c${parent}` }]));
}

/** Whether walking up from every node reaches a root without meeting a node twice. */
function acyclic(nodes: ReadonlyMap<string, TreeNode>): boolean {
  for (const start of nodes.keys()) {
    const seen = new Set<string>();
    for (let at: string | null = start; at !== null; at = nodes.get(at)!.parentId) {
      if (seen.has(at)) return false;
      seen.add(at);
    }
  }
  return true;
}

describe('category tree moves', () => {
  it('never makes a cycle: any sequence of accepted moves leaves a forest', () => {
    fc.assert(
      fc.property(forest, fc.array(fc.tuple(fc.nat(), fc.option(fc.nat(), { nil: null })), { maxLength: 30 }), (parents, moves) => {
        const nodes = nodesOf(parents);
        for (const [from, to] of moves) {
          const id = `c${from % parents.length}`;
          const parentId = to === null ? null : `c${to % parents.length}`;
          if (moveProblem(nodes, id, parentId) === undefined) nodes.set(id, { id, parentId });
          expect(acyclic(nodes)).toBe(true);
        }
      }),
    );
  });

  it('refuses exactly the moves under the category itself or one of its descendants', () => {
    fc.assert(
      fc.property(forest, fc.nat(), fc.nat(), (parents, a, b) => {
        const nodes = nodesOf(parents);
        const id = `c${a % parents.length}`;
        const target = `c${b % parents.length}`;
        const below = (n: string | null): boolean => n !== null && (n === id || below(nodes.get(n)!.parentId));
        const expected = target === id ? 'itself' : below(target) ? 'descendant' : undefined;
        expect(moveProblem(nodes, id, target)).toBe(expected);
        expect(moveProblem(nodes, id, null)).toBeUndefined();
      }),
    );
  });

  it('rebases a subtree’s paths and ancestors, and nothing outside it', () => {
    expect(rebasePath('fresh/fruit', 'fresh/fruit', 'pantry/fruit')).toBe('pantry/fruit');
    expect(rebasePath('fresh/fruit/apples', 'fresh/fruit', 'pantry/dried-fruit')).toBe('pantry/dried-fruit/apples');
    expect(() => rebasePath('fresh/fruit-juice', 'fresh/fruit', 'pantry/fruit')).toThrow(/not below/);
    expect(rebaseAncestors(['root', 'fruit', 'apples'], 'fruit', ['pantry', 'dried'])).toEqual(['pantry', 'dried', 'fruit', 'apples']);
    expect(rebaseAncestors(['root', 'fruit'], 'fruit', [])).toEqual(['fruit']);
  });
});

/**
 * Pure rules of the category tree: where a category may move, and what a move does to the paths and ancestors of its
 * subtree. The use-cases read the tree, ask these, and write what they answer in one transaction.
 */

/** What the rules need of a category: its place in the tree. */
export interface TreeNode {
  id: string;
  parentId: string | null;
}

/** Why a move is refused: under itself, or under one of its own descendants (either would make a cycle). */
export type MoveProblem = 'itself' | 'descendant';

/**
 * Whether `id` may move under `newParentId` (`null`: become a root), in the tree `nodes` (by id). Walks up from the new
 * parent: meeting `id` on the way means the new parent is `id` or lies below it, and the move would detach a cycle.
 * A walk that meets an id twice (a tree already broken) is refused as a descendant rather than looping.
 */
export function moveProblem(nodes: ReadonlyMap<string, TreeNode>, id: string, newParentId: string | null): MoveProblem | undefined {
  if (newParentId === id) return 'itself';
  const seen = new Set<string>();
  for (let at = newParentId; at !== null; at = nodes.get(at)?.parentId ?? null) {
    if (at === id || seen.has(at)) return 'descendant';
    seen.add(at);
  }
  return undefined;
}

/** `path` with its leading `from` (a whole path prefix) replaced by `to`: a descendant's path after its ancestor moved. */
export function rebasePath(path: string, from: string, to: string): string {
  if (path === from) return to;
  if (!path.startsWith(`${from}/`)) throw new Error(`${path} is not below ${from}`);
  return `${to}${path.slice(from.length)}`;
}

/**
 * A descendant's ancestor ids after the category `movedId` moved under a parent whose own chain (root first, the new
 * parent last) is `newChainIds`: everything above the moved category is replaced, everything from it down is kept.
 */
export function rebaseAncestors(ancestorIds: readonly string[], movedId: string, newChainIds: readonly string[]): string[] {
  const at = ancestorIds.indexOf(movedId);
  if (at < 0) throw new Error(`${movedId} is not an ancestor`);
  return [...newChainIds, ...ancestorIds.slice(at)];
}

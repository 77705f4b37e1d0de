/**
 * JSON Merge Patch (RFC 7386): an object patch merges member by member, `null` removes a member,
 * and anything else (strings, numbers, arrays) replaces the target whole. That is why a product's
 * `variants` array is replaced as a unit while `attributes` merges key by key.
 */

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Applies a merge patch to a target without mutating either.
 * @returns the patched document; members patched to `null` are absent from it
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else if (value !== undefined) result[name] = applyMergePatch(result[name], value);
  }
  return result;
}

/** Whether two JSON values are equal by content; member order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const names = Object.keys(a).filter((n) => a[n] !== undefined);
  const otherNames = Object.keys(b).filter((n) => b[n] !== undefined);
  return names.length === otherNames.length && names.every((n) => jsonEqual(a[n], b[n]));
}

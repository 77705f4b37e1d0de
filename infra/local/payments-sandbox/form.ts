/** A parsed form value: stripe-node encodes nested params with brackets, arrays with indices. */
export type FormValue = string | FormValue[] | { [name: string]: FormValue };

/**
 * Parses an `application/x-www-form-urlencoded` body the way Stripe reads stripe-node's
 * encoding: `metadata[orderId]=o1` becomes `{metadata: {orderId: 'o1'}}` and `expand[0]=x`
 * becomes `{expand: ['x']}`.
 *
 * @throws SyntaxError when a key is malformed or one name is used both as a value and a container.
 */
export function parseForm(body: string): Record<string, FormValue> {
  const root: Record<string, FormValue> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    if (!match?.[1]) throw new SyntaxError(`malformed form key ${key}`);
    const path = [match[1], ...[...(match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? '')];
    let container: Record<string, FormValue> | FormValue[] = root;
    for (let i = 0; i < path.length; i += 1) {
      const name = path[i] as string;
      const last = i === path.length - 1;
      const slot: string | number = Array.isArray(container) ? Number(name === '' ? container.length : name) : name;
      const existing: FormValue | undefined = (container as Record<string | number, FormValue | undefined>)[slot];
      if (last) {
        if (existing !== undefined && typeof existing !== 'string') throw new SyntaxError(`form key ${key} conflicts with a nested key`);
        (container as Record<string | number, FormValue>)[slot] = value;
        break;
      }
      const nextIsIndex = /^\d*$/.test(path[i + 1] as string);
      if (existing === undefined) {
        const created: FormValue = nextIsIndex ? [] : {};
        (container as Record<string | number, FormValue>)[slot] = created;
        container = created as Record<string, FormValue> | FormValue[];
      } else if (typeof existing === 'string') {
        throw new SyntaxError(`form key ${key} conflicts with a plain value`);
      } else {
        container = existing;
      }
    }
  }
  return root;
}
